"""Generator versions: the sketch-rnn decoder tuned from votes (issue #17).

votes (counted, non-voided; robust weights as for the scorer: scoring/services/labels.py)
  -> liked and disliked faces the base (or the active version) drew from the start token
  -> generator.tuning.tune_decoder, from the base weights
  -> generator.rails.rails_check: held-out human faces' and base samples' NLL stay near the
     base's, samples stay diverse; a version that fails is kept (FAILED_RAILS), never drawn with
  -> rollout: the candidate draws a share of new batches, the active version (or the base) the
     rest; the interesting share of each arm's votes decides (statistics.py), the admission
     filter running on top of either arm
  -> promotion: the candidate becomes ACTIVE, the old active one RETIRED.

Tasks: tuning.version_train (beat, every TUNING_CHECK_SECONDS, on its own queue) and
tuning.rollout_decide (beat, every TUNING_DECIDE_SECONDS). The admin page of generator
versions shows the rails, the arms side by side, and starts or stops a rollout.
"""
