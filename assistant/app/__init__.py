"""The ways in: the ``assistant`` command line (``cli``), the Gradio chat UI and its API (``ui``),
and checked uploads into the corpus folder (``uploads``)."""
