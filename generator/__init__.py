"""sketch-rnn in PyTorch: Magenta's pretrained decoder, batched sampling, strokes, rendering.

Pure PyTorch and numpy: nothing here imports Django (a test enforces it).
"""
