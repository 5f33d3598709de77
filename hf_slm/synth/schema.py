"""The spoken benchmark schema, re-exported for synth's users.

It lives in hf_slm.dataset_format.benchmark (foundation), so the unit stage and the scorers read it
from below without importing synth.
"""

from hf_slm.dataset_format.benchmark import (  # noqa: F401  (re-exported)
    ROLES, audio_benchmark_features, benchmark_features, load_benchmark, task_folders, write_benchmark,
    write_task)
from hf_slm.tasks import TASKS  # noqa: F401  (re-exported)
