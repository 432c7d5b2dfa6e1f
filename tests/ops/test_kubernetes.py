"""deploy/kubernetes: the production overlay, rendered the way kustomize does for the
features it uses, validates against the schemas of a current Kubernetes version
(kubernetes-validate), and carries what operations need: probes, an HPA, one worker per
queue group, a single locked beat, the migrate Job, every variable of .env.example,
volumes, network policies and a locked-down securityContext."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "deploy" / "kubernetes" / "base"
OVERLAY = ROOT / "deploy" / "kubernetes" / "overlays" / "production"
CLUSTER_SCOPED = {"Namespace", "PersistentVolume", "ClusterRole", "ClusterRoleBinding"}


def load_all(path: Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def merge(target, patch):
    """Strategic merge as kustomize applies it to these manifests: maps merge, lists of
    named items merge by name, other lists are replaced."""
    if isinstance(target, dict) and isinstance(patch, dict):
        for key, value in patch.items():
            target[key] = merge(target[key], value) if key in target else copy.deepcopy(value)
        return target
    if (
        isinstance(target, list)
        and isinstance(patch, list)
        and all(isinstance(item, dict) and "name" in item for item in target + patch)
    ):
        by_name = {item["name"]: item for item in target}
        for item in patch:
            if item["name"] in by_name:
                merge(by_name[item["name"]], item)
            else:
                target.append(copy.deepcopy(item))
        return target
    return copy.deepcopy(patch)


def build(directory: Path) -> list[dict]:
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    resources: list[dict] = []
    for entry in kustomization.get("resources", []):
        path = directory / entry
        resources += build(path) if path.is_dir() else load_all(path)
    for patch_entry in kustomization.get("patches", []):
        patch = yaml.safe_load((directory / patch_entry["path"]).read_text())
        targets = [
            r
            for r in resources
            if r["kind"] == patch["kind"] and r["metadata"]["name"] == patch["metadata"]["name"]
        ]
        assert len(targets) == 1, f"patch {patch_entry['path']} matches {len(targets)} resources"
        merge(targets[0], patch)
    for entry in kustomization.get("replicas", []):
        (target,) = [r for r in resources if r["metadata"]["name"] == entry["name"]]
        target["spec"]["replicas"] = entry["count"]
    for entry in kustomization.get("labels", []):
        for resource in resources:
            resource["metadata"].setdefault("labels", {}).update(entry["pairs"])
    for image in kustomization.get("images", []):
        for resource in resources:
            for container in containers(resource):
                if container["image"].split(":")[0] == image["name"]:
                    container["image"] = f"{image['newName']}:{image['newTag']}"
    if "namespace" in kustomization:
        for resource in resources:
            if resource["kind"] not in CLUSTER_SCOPED:
                resource["metadata"]["namespace"] = kustomization["namespace"]
    return resources


def containers(resource: dict) -> list[dict]:
    spec = resource.get("spec", {})
    pod = spec.get("template", {}).get("spec", {})
    return pod.get("containers", []) + pod.get("initContainers", [])


def pod_spec(resource: dict) -> dict:
    return resource["spec"]["template"]["spec"]


@pytest.fixture(scope="module")
def rendered() -> list[dict]:
    return build(OVERLAY)


def by_kind(resources, kind) -> dict[str, dict]:
    return {r["metadata"]["name"]: r for r in resources if r["kind"] == kind}


def test_every_resource_validates_against_a_current_kubernetes(rendered):
    version = kubernetes_validate.latest_version()
    assert tuple(int(part) for part in version.split(".")[:2]) >= (1, 33)
    secret = load_all(BASE / "secret.example.yaml")
    for resource in [*rendered, *secret]:
        kubernetes_validate.validate(resource, version, strict=True)
    kinds = sorted({r["kind"] for r in rendered})
    assert kinds == [
        "ConfigMap",
        "Deployment",
        "HorizontalPodAutoscaler",
        "Ingress",
        "Job",
        "NetworkPolicy",
        "PersistentVolumeClaim",
        "Service",
    ]


def test_overlay_sets_namespace_image_and_sizes(rendered):
    assert {r["metadata"]["namespace"] for r in rendered} == {"collab"}
    images = {c["image"] for r in rendered for c in containers(r)}
    assert images == {"registry.example.com/collab:1.0.0"}
    assert by_kind(rendered, "HorizontalPodAutoscaler")["collab-web"]["spec"]["minReplicas"] == 3
    assert by_kind(rendered, "Deployment")["collab-worker-notify"]["spec"]["replicas"] == 3


def test_web_has_probes_and_an_autoscaler(rendered):
    web = by_kind(rendered, "Deployment")["collab-web"]
    (container,) = pod_spec(web)["containers"]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["startupProbe"]["httpGet"]["path"] == "/healthz"
    hpa = by_kind(rendered, "HorizontalPodAutoscaler")["collab-web"]
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "collab-web",
    }


def test_one_worker_deployment_per_queue_group(rendered):
    deployments = by_kind(rendered, "Deployment")
    queues = {}
    for name, deployment in deployments.items():
        command = pod_spec(deployment)["containers"][0]["command"]
        if command[:4] == ["celery", "-A", "collab", "worker"]:
            queues[name] = command[command.index("-Q") + 1]
    assert queues == {
        "collab-worker-scans": "scans",
        "collab-worker-notify": "notify",
        "collab-worker-robots": "robot-dingtalk,robot-feishu,robot-wecom",
        "collab-worker-default": "celery",
    }
    from django.conf import settings

    consumed = {queue for value in queues.values() for queue in value.split(",")}
    assert consumed == set(settings.COLLAB_CELERY_QUEUES)


def test_beat_runs_once(rendered):
    beat = by_kind(rendered, "Deployment")["collab-beat"]
    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"] == {"type": "Recreate"}
    assert pod_spec(beat)["containers"][0]["command"] == [
        "celery",
        "-A",
        "collab",
        "beat",
        "--loglevel=INFO",
    ]


def test_migrate_job(rendered):
    job = by_kind(rendered, "Job")["collab-migrate"]
    assert pod_spec(job)["containers"][0]["command"] == [
        "python",
        "manage.py",
        "migrate",
        "--noinput",
    ]
    assert pod_spec(job)["restartPolicy"] == "Never"


def env_example_variables() -> set[str]:
    text = (ROOT / ".env.example").read_text()
    return set(re.findall(r"^#?\s?([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE))


def test_config_and_secret_cover_every_variable_of_env_example(rendered):
    config = by_kind(rendered, "ConfigMap")["collab-config"]["data"]
    (secret,) = load_all(BASE / "secret.example.yaml")
    secret_keys = set(secret["stringData"])
    variables = env_example_variables()
    assert "SECRET_KEY" in variables and "METRICS_TOKEN" in variables
    assert sorted(variables - set(config) - secret_keys) == []
    assert set(config) & secret_keys == set()
    for name in ("SECRET_KEY", "DATABASE_URL", "EMAIL_HOST_PASSWORD", "DOCUMENTS_S3_SECRET_KEY"):
        assert name in secret_keys, name
    for deployment in [
        *by_kind(rendered, "Deployment").values(),
        *by_kind(rendered, "Job").values(),
    ]:
        for container in pod_spec(deployment)["containers"]:
            assert container["envFrom"] == [
                {"configMapRef": {"name": "collab-config"}},
                {"secretRef": {"name": "collab-secrets"}},
            ]


def test_pods_are_locked_down_and_write_only_to_volumes(rendered):
    claims = set(by_kind(rendered, "PersistentVolumeClaim"))
    assert claims == {"collab-media", "collab-documents"}
    workloads = [*by_kind(rendered, "Deployment").values(), *by_kind(rendered, "Job").values()]
    assert len(workloads) == 7
    for workload in workloads:
        spec = pod_spec(workload)
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["securityContext"]["runAsUser"] == 10001
        assert spec["automountServiceAccountToken"] is False
        volumes = {v["name"]: v for v in spec["volumes"]}
        assert {
            v["persistentVolumeClaim"]["claimName"]
            for v in volumes.values()
            if "persistentVolumeClaim" in v
        } == claims
        for container in spec["containers"]:
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] is True
            assert security["allowPrivilegeEscalation"] is False
            assert security["capabilities"] == {"drop": ["ALL"]}
            mounts = {m["mountPath"] for m in container["volumeMounts"]}
            assert mounts == {"/tmp", "/app/var/media", "/app/var/documents"}  # noqa: S108


def test_network_policies_guard_postgresql_and_redis(rendered):
    policies = by_kind(rendered, "NetworkPolicy")
    for name, port in (("collab-postgresql", 5432), ("collab-redis", 6379)):
        (rule,) = policies[name]["spec"]["ingress"]
        assert rule["from"] == [
            {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "collab"}}}
        ]
        assert rule["ports"] == [{"protocol": "TCP", "port": port}]
    assert set(policies) >= {"collab-web", "collab-background"}
