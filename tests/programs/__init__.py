"""Public TF / Keras tutorials transcribed to run on ember (see docs/programs.md)."""
