"""Health of custom resources through the controller, on the sandbox cluster over HTTP.

An app deploys a cert-manager Certificate (its CRD installed in the sandbox first). Nothing issues
it, so it waits; then the test writes the status cert-manager would write, with its own field
manager, and the app's health follows the built-in Certificate check: Degraded while ``Ready`` is
False, naming the reason in the resource tree, and Healthy once the certificate is issued.
"""

from __future__ import annotations

from typing import Any

from controller_world import World

from gitward.kube import RemoteCluster
from gitward.model.objects import ResourceKey
from support.applications import CREATE_NAMESPACE, PRUNE_AND_SELF_HEAL, application
from support.kube_objects import crd
from support.repos import new_repository

CERTS_URL = "https://git.example.com/platform/certs.git"
APP = "shop-certs"
CERTIFICATE = ResourceKey("cert-manager.io", "Certificate", APP, "shop-tls")

CERTIFICATE_CRD = crd(group="cert-manager.io", kind="Certificate", plural="certificates")

FILES = {
    "certificate.yaml": """\
apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: shop-tls
spec:
  secretName: shop-tls
  dnsNames: [shop.example.com]
  issuerRef: {kind: ClusterIssuer, name: letsencrypt}
""",
}

APPLICATION = application(
    APP,
    repo_url=CERTS_URL,
    path=".",
    app_namespace="argocd",
    automated=PRUNE_AND_SELF_HEAL,
    sync_options=CREATE_NAMESPACE,
)


def ready(status: str, reason: str, message: str) -> dict[str, Any]:
    condition = {"type": "Ready", "status": status, "reason": reason, "message": message}
    return {"status": {"conditions": [condition]}}


async def certificate_health(world: World) -> dict[str, Any]:
    items = (await world.app(APP)).status.resources.get("items") or []
    [found] = [item for item in items if item["kind"] == "Certificate"]
    health: dict[str, Any] = found.get("health") or {}
    return health


async def test_a_certificate_cert_manager_cannot_issue_makes_its_app_degraded(
    world: World,
) -> None:
    await world.cluster.apply(CERTIFICATE_CRD, force=True)
    new_repository(world.tmp / "certs", FILES)
    world.repositories[CERTS_URL] = world.tmp / "certs"
    controller = await world.start()
    await controller.bootstrap(APPLICATION)

    async def deployed() -> bool:
        return await world.live("Certificate", APP, "shop-tls", group="cert-manager.io") is not None

    await world.until(deployed, what="the Certificate applied to the sandbox")
    await world.until_app(APP, health_status="Progressing", idle=False)
    assert await certificate_health(world) == {
        "status": "Progressing",
        "message": "Waiting for the certificate to be issued",
    }

    cert_manager = RemoteCluster.connect(world.access, field_manager="cert-manager")
    try:
        failed = "Failed to register ACME account: 400 urn:ietf:params:acme:error:invalidEmail"
        await cert_manager.patch(CERTIFICATE, ready("False", "Failed", failed))
        await world.until_app(APP, health_status="Degraded", idle=False)
        assert await certificate_health(world) == {"status": "Degraded", "message": failed}

        issued = "Certificate is up to date and has not expired"
        await cert_manager.patch(CERTIFICATE, ready("True", "Ready", issued))
        await world.until_app(APP, health_status="Healthy", idle=False)
        assert await certificate_health(world) == {"status": "Healthy", "message": issued}
    finally:
        await cert_manager.close()
