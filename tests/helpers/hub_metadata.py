"""README metadata checked the way the Hub checks it on upload (`/api/validate-yaml`), for the stand-in Hub
and the card tests: YAML front matter that is a mapping, license ids from the Hub's license list, task ids
from the Hub's task list (pipeline_tag, task_categories), size categories, the model-index schema, the
datasets `configs` shape and a Space's sdk. The lists are the Hub's documented values (hf.co/docs/hub:
"Licenses", "Tasks", model card and dataset card specifications); huggingface_hub itself ships no copy.

Model-index task types are checked for shape only: the Hub accepts any task type there (custom
evaluation tasks are common), only pipeline_tag and task_categories must be known task ids.
"""

from __future__ import annotations

import re

import yaml

LICENSES = frozenset("""
apache-2.0 mit openrail bigscience-openrail-m creativeml-openrail-m bigscience-bloom-rail-1.0 bigcode-openrail-m
afl-3.0 artistic-2.0 bsl-1.0 bsd bsd-2-clause bsd-3-clause bsd-3-clause-clear c-uda cc cc0-1.0 cc-by-2.0
cc-by-2.5 cc-by-3.0 cc-by-4.0 cc-by-sa-3.0 cc-by-sa-4.0 cc-by-nc-2.0 cc-by-nc-3.0 cc-by-nc-4.0 cc-by-nd-4.0
cc-by-nc-nd-3.0 cc-by-nc-nd-4.0 cc-by-nc-sa-2.0 cc-by-nc-sa-3.0 cc-by-nc-sa-4.0 cdla-sharing-1.0
cdla-permissive-1.0 cdla-permissive-2.0 wtfpl ecl-2.0 epl-1.0 epl-2.0 etalab-2.0 eupl-1.1 eupl-1.2 agpl-3.0 gfdl
gpl gpl-2.0 gpl-3.0 lgpl lgpl-2.1 lgpl-3.0 isc h-research intel-research lppl-1.3c ms-pl apple-ascl apple-amlr
mpl-2.0 odc-by odbl openrail++ osl-3.0 postgresql ofl-1.1 ncsa unlicense zlib pddl lgpl-lr
deepfloyd-if-license llama2 llama3 llama3.1 llama3.2 llama3.3 llama4 gemma unknown other
""".split())

TASKS = frozenset("""
text-classification token-classification table-question-answering question-answering zero-shot-classification
translation summarization feature-extraction text-generation fill-mask sentence-similarity text-to-speech
text-to-audio automatic-speech-recognition audio-to-audio audio-classification audio-text-to-text
voice-activity-detection depth-estimation image-classification object-detection image-segmentation
text-to-image image-to-text image-to-image image-to-video unconditional-image-generation video-classification
reinforcement-learning robotics tabular-classification tabular-regression tabular-to-text table-to-text
multiple-choice text-ranking text-retrieval time-series-forecasting text-to-video image-text-to-text
visual-question-answering document-question-answering zero-shot-image-classification graph-ml mask-generation
zero-shot-object-detection text-to-3d image-to-3d image-feature-extraction video-text-to-text
keypoint-detection visual-document-retrieval any-to-any video-to-video other
""".split())

SIZE_CATEGORIES = frozenset(["n<1K", "1K<n<10K", "10K<n<100K", "100K<n<1M", "1M<n<10M", "10M<n<100M",
                             "100M<n<1B", "1B<n<10B", "10B<n<100B", "100B<n<1T", "n>1T"])
SDKS = frozenset(["gradio", "streamlit", "docker", "static"])
_ID = re.compile(r"^[a-z0-9][a-z0-9._+-]*$")  # a task / metric type slug


def front_matter(content: str):
    m = re.match(r"^---\n(.*?)\n---\n", content, flags=re.S)
    if not m:
        return None
    return yaml.safe_load(m.group(1))


def _strings(value) -> list:
    return value if isinstance(value, list) else [value]


def _model_index(index) -> list[str]:
    errors = []
    if not isinstance(index, list) or not index:
        return ["model-index must be a non-empty list"]
    for i, model in enumerate(index):
        where = f"model-index[{i}]"
        if not isinstance(model, dict) or not isinstance(model.get("name"), str) or not model["name"]:
            errors.append(f"{where}.name is required")
            continue
        results = model.get("results")
        if not isinstance(results, list):
            errors.append(f"{where}.results must be a list")
            continue
        for j, result in enumerate(results):
            at = f"{where}.results[{j}]"
            task, dataset, metrics = (result.get(k) if isinstance(result, dict) else None
                                      for k in ("task", "dataset", "metrics"))
            if not isinstance(task, dict) or not isinstance(task.get("type"), str) or not _ID.match(task["type"]):
                errors.append(f"{at}.task.type is required (a task id)")
            if not isinstance(dataset, dict) or not all(isinstance(dataset.get(k), str) and dataset[k]
                                                        for k in ("type", "name")):
                errors.append(f"{at}.dataset needs a type and a name")
            elif any(k in dataset and not isinstance(dataset[k], str) for k in ("split", "config", "revision")):
                errors.append(f"{at}.dataset split/config/revision must be strings")
            if not isinstance(metrics, list) or not metrics:
                errors.append(f"{at}.metrics must be a non-empty list")
                continue
            for k, metric in enumerate(metrics):
                if not isinstance(metric, dict) or not isinstance(metric.get("type"), str) or "value" not in metric:
                    errors.append(f"{at}.metrics[{k}] needs a type and a value")
                elif not isinstance(metric["value"], (int, float, str)) or isinstance(metric["value"], bool):
                    errors.append(f"{at}.metrics[{k}].value must be a number or a string")
    return errors


def validate_metadata(meta, repo_type: str = "model") -> list[str]:
    """The Hub's metadata errors for one README's YAML ([] when it would be accepted)."""
    if meta is None:
        return []  # no front matter: the Hub only warns
    if not isinstance(meta, dict):
        return ["metadata is not a YAML mapping"]
    errors = []
    for lic in _strings(meta.get("license", [])):
        if lic not in LICENSES:
            errors.append(f"license {lic!r} is not a Hub license id (use 'other' with license_name)")
    if "pipeline_tag" in meta and meta["pipeline_tag"] not in TASKS:
        errors.append(f"pipeline_tag {meta['pipeline_tag']!r} is not a Hub task id")
    for task in _strings(meta.get("task_categories", [])):
        if task not in TASKS:
            errors.append(f"task_categories {task!r} is not a Hub task id")
    if "tags" in meta and not all(isinstance(t, str) and t for t in _strings(meta["tags"])):
        errors.append("tags must be strings")
    if "datasets" in meta and not all(isinstance(d, str) and d.count("/") <= 1 for d in _strings(meta["datasets"])):
        errors.append("datasets must be Hub dataset ids (org/name)")
    if "model-index" in meta:
        errors += _model_index(meta["model-index"])
    if repo_type == "dataset":
        for size in _strings(meta.get("size_categories", [])):
            if size not in SIZE_CATEGORIES:
                errors.append(f"size_categories {size!r} is not one of the Hub's")
        for config in meta.get("configs") or []:
            files = config.get("data_files") if isinstance(config, dict) else None
            if not isinstance(config, dict) or not isinstance(config.get("config_name"), str) or files is None:
                errors.append("each configs entry needs config_name and data_files")
            elif isinstance(files, list) and not all(isinstance(f, (str, dict)) and
                                                       (isinstance(f, str) or {"split", "path"} <= set(f))
                                                       for f in files):
                errors.append("configs data_files entries need split and path")
    if repo_type == "space":
        if meta.get("sdk") not in SDKS:
            errors.append(f"sdk {meta.get('sdk')!r} is not one of {', '.join(sorted(SDKS))}")
    return errors


def validate_readme(content: str, repo_type: str = "model") -> list[str]:
    try:
        meta = front_matter(content)
    except yaml.YAMLError as e:
        return [f"invalid YAML: {e}"]
    return validate_metadata(meta, repo_type)
