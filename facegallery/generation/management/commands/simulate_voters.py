"""`manage.py simulate_voters --votes N --taste NAME`: the whole feedback loop with simulated
visitors, to check that the filter learns a taste.

Each round draws faces through the real generation service (with the real admission filter),
lets simulated visitors vote through the real vote-mode selector and vote_cast, then retrains
the scorer. A visitor calls a face interesting when the taste (generator/tastes.py) likes it,
flipping the answer with probability --noise. Per round it prints the share of newly drawn
faces the taste likes (unfiltered: every draw, shown or filtered) and of newly shown faces.

Run it on a scratch database: it refuses to mix its votes with real ones.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from facegallery.gallery.models import Face, FaceStatus, GenerationSettings
from facegallery.gallery.selectors import face_pool
from facegallery.generation.services.batches import faces_generate_now
from facegallery.scoring.queue import face_get_next_for_voting
from facegallery.scoring.services.features import normalised_drawings
from facegallery.scoring.services.training import scorer_retrain
from facegallery.voting.models import Label, Vote
from facegallery.voting.services import vote_cast
from generator.tastes import TASTES, taste_likes


def _taste_of_faces(taste: str, rows: Sequence[Mapping[str, Any]]) -> np.ndarray:
    if not rows:
        return np.zeros(0, bool)
    scale = rows[0]["generator__scale_factor"]
    return taste_likes(taste, normalised_drawings([r["strokes"] for r in rows], scale))


class Command(BaseCommand):
    help = "Run the vote -> retrain -> filter loop with simulated visitors of a given taste."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--votes", type=int, required=True, help="votes to cast in all")
        parser.add_argument("--taste", required=True, help=", ".join(sorted(TASTES)))
        parser.add_argument("--round-votes", type=int, default=250, help="votes between retrains")
        parser.add_argument("--noise", type=float, default=0.1, help="chance a vote is flipped")
        parser.add_argument("--visitors", type=int, default=40)
        parser.add_argument("--seed", type=int, default=0)

    def handle(
        self,
        *args,
        votes: int,
        taste: str,
        round_votes: int,
        noise: float,
        visitors: int,
        seed: int,
        **options,
    ) -> None:
        if taste not in TASTES:
            raise CommandError(f"unknown taste {taste!r}; choose from {', '.join(sorted(TASTES))}")
        if votes < 1 or round_votes < 1 or not 0 <= noise < 0.5 or visitors < 1:
            raise CommandError(
                "--votes, --round-votes, --visitors must be >= 1, 0 <= --noise < 0.5"
            )
        if Vote.objects.exists():
            raise CommandError(
                "this database already has votes: run the simulation on a scratch one"
            )
        config = GenerationSettings.current()
        if not config.filter_enabled:
            raise CommandError("the scoring filter is switched off in the generation settings")
        rng = random.Random(seed)
        self.stdout.write(
            f"taste {taste}: {votes} votes, retrain every {round_votes}, noise {noise}, keep "
            f"{config.keep_share:.0%} + explore {config.explore_share:.0%}"
        )
        header = f"{'round':>5} {'votes':>6} {'filter':>7} {'drawn':>6} {'shown':>6} "
        header += f"{'likes(unfiltered)':>18} {'likes(shown)':>13} {'new AUC':>8}"
        self.stdout.write(header)
        lines, cast, round_no = [], 0, 0
        progress = tqdm(total=votes, desc="votes", unit="vote", disable=None)
        while cast < votes:
            round_no += 1
            target = min(round_votes, votes - cast)
            first_id = self._draw_until_pool(target)
            cast += self._vote_round(
                taste=taste,
                target=target,
                noise=noise,
                visitors=visitors,
                rng=rng,
                progress=progress,
            )
            result = scorer_retrain(force=True, seed=seed)
            auc = "" if result.auc is None else f"{result.auc:.3f}"
            lines.append(f"{round_no:>5} {cast:>6} {self._shares(taste, first_id)} {auc:>8}")
            progress.write(lines[-1])
        progress.close()
        # The filter as it stands after all the votes, on faces drawn after the last retrain.
        lines.append(
            f"{'after':>5} {cast:>6} {self._shares(taste, self._draw_until_pool(round_votes))}"
        )
        self.stdout.write("\nfinal table")
        self.stdout.write(header)
        for line in lines:
            self.stdout.write(line)

    def _shares(self, taste: str, first_id: int) -> str:
        """Filter version, drawn, shown, and the taste's share of drawn and of shown faces."""
        new = list(
            Face.objects.filter(pk__gt=first_id)
            .exclude(status=FaceStatus.HIDDEN)
            .values("strokes", "status", "scorer_version", "generator__scale_factor")
        )
        likes = _taste_of_faces(taste, new)
        shown = np.array([r["status"] == FaceStatus.VISIBLE for r in new], bool)
        version = new[-1]["scorer_version"] if new else None
        return (
            f"{('v' + str(version)) if version else 'none':>7} {len(new):>6} {int(shown.sum()):>6} "
            f"{likes.mean():>18.1%} {likes[shown].mean() if shown.any() else 0:>13.1%}"
        )

    def _draw_until_pool(self, target: int) -> int:
        """Draw through the real pipeline until `target` unvoted faces are shown."""
        first_id = Face.objects.order_by("-id").values_list("id", flat=True).first() or 0
        pool = face_pool()
        while pool.filter(pk__gt=first_id).count() < target:
            # Batches of 64: each batch has one temperature, so a round spans several.
            faces_generate_now(count=256, batch_size=64)
        return first_id

    def _vote_round(
        self,
        *,
        taste: str,
        target: int,
        noise: float,
        visitors: int,
        rng: random.Random,
        progress: tqdm,
    ) -> int:
        cast = 0
        for _ in range(target):
            voter = f"sim:{rng.randrange(visitors)}"
            face = face_get_next_for_voting(voter=voter)
            if face is None:
                break
            row = {"strokes": face.strokes, "generator__scale_factor": face.generator.scale_factor}
            likes = bool(_taste_of_faces(taste, [row])[0])
            if rng.random() < noise:
                likes = not likes
            # No voter_since: the simulation vouches for its visitors, who count as
            # established voters (README "Voting"), as real ones do after ten minutes.
            vote_cast(
                face_id=face.pk, voter=voter, label=Label.INTERESTING if likes else Label.BORING
            )
            cast += 1
            progress.update(1)
        return cast
