"""Charts in OCI registries, through the Helm SDK's registry client (in a worker thread).

``repoURL: registry.example.com/charts`` (or ``oci://registry.example.com/charts``) with
``chart: mongodb`` names ``oci://registry.example.com/charts/mongodb``; its tags are its
versions. Each call uses a fresh client whose login lives in a private temporary credentials
file, removed afterwards, so one app's registry password never serves another's request. As
Docker does, a registry on a loopback address is spoken to in plain HTTP; any other only when
its repository is registered ``insecure``.

It must not cache anything (``repositories`` does).
"""

from __future__ import annotations

import asyncio
import ipaddress
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import urlsplit

from gitward.charts.access import ChartAccess
from gitward.errors import ChartUnavailableError, Location, SourceError
from gitward.redaction import redact

if TYPE_CHECKING:
    import helm_python as helm

__all__ = ["OciRegistry", "is_oci", "oci_reference"]

_T = TypeVar("_T")
_REFUSED = ("unauthorized", "denied", "credential", "status code 401", "status code 403")
_NOT_FOUND = ("not found", "name unknown", "name_unknown", "manifest unknown", "status code 404")


def is_oci(repo_url: str) -> bool:
    """Whether a chart repoURL names an OCI registry: ``oci://`` or no scheme at all."""
    return repo_url.startswith("oci://") or "://" not in repo_url


def oci_reference(repo_url: str, chart: str) -> str:
    """``registry.example.com/charts`` + ``mongodb`` -> ``oci://registry.example.com/charts/mongodb``."""
    base = repo_url.removeprefix("oci://").strip("/")
    return f"oci://{base}/{chart.strip('/')}"


def registry_host(reference: str) -> str:
    """``oci://host:5000/charts/x`` -> ``host:5000``."""
    return urlsplit(reference).netloc


class OciRegistry:
    """Lists and pulls the versions of one chart in an OCI registry."""

    def __init__(self, reference: str, access: ChartAccess) -> None:
        self.reference = reference
        self._access = access
        self._plain = access.insecure or _is_loopback(registry_host(reference))

    async def versions(self, *, where: Location | None) -> list[str]:
        return await asyncio.to_thread(self._run, lambda client: client.tags(self.reference), where)

    async def archive(self, version: str, *, limit: int, where: Location | None) -> bytes:
        def pull(client: helm.RegistryClient) -> bytes:
            with tempfile.TemporaryDirectory(prefix="gitward-oci-") as scratch:
                client.pull(
                    self.reference,
                    destination=scratch,
                    version=version,
                    plain_http=self._plain,
                    insecure_skip_tls_verify=self._access.insecure,
                )
                found = sorted(Path(scratch).glob("*.tgz"))
                if len(found) != 1 or found[0].stat().st_size > limit:
                    raise _refused(self.reference, version, limit, where)
                return found[0].read_bytes()

        return await asyncio.to_thread(self._run, pull, where)

    def _run(self, action: Callable[[helm.RegistryClient], _T], where: Location | None) -> _T:
        import helm_python as helm  # noqa: PLC0415 - the SDK (~80 MB) loads at the first OCI pull

        try:
            with self._client() as client:
                return action(client)
        except helm.HelmError as err:
            raise self._error(err, where) from err

    @contextmanager
    def _client(self) -> Iterator[helm.RegistryClient]:
        import helm_python as helm  # noqa: PLC0415

        with tempfile.TemporaryDirectory(prefix="gitward-registry-") as home:
            plain = self._plain
            credentials = Path(home, "config.json")
            with helm.RegistryClient(plain_http=plain, credentials_file=credentials) as client:
                secret = self._access.password or self._access.bearer_token
                if self._access.username or secret:
                    client.login(
                        registry_host(self.reference),
                        self._access.username or "oauth2accesstoken",
                        secret,
                        insecure=self._access.insecure,
                        plain_http=plain,
                    )
                yield client

    def _error(self, err: helm.HelmError, where: Location | None) -> Exception:
        detail = redact(" ".join(str(err).split()), *self._access.secrets())[:400]
        lowered = detail.lower()
        if any(sign in lowered for sign in _REFUSED):
            return SourceError(
                f"the registry refused access to {self.reference}: {detail}",
                where=where,
                hint="Register the registry's credentials: gitward repo add URL --type helm "
                "--username USER --password TOKEN",
            )
        if any(sign in lowered for sign in _NOT_FOUND):
            return SourceError(
                f"{self.reference} is not in the registry: {detail}",
                where=where,
                hint="Check repoURL, chart and targetRevision",
            )
        return ChartUnavailableError(
            f"OCI registry for {self.reference} could not be read: {detail}",
            where=where,
            hint="Check that the registry is up and reachable from here (the server retries by "
            "itself), or serve it from a directory of charts: --helm-repo URL=DIR",
        )


def _is_loopback(host: str) -> bool:
    """``localhost:5000``, ``127.0.0.1:5000``, ``[::1]:5000``."""
    name = host.rpartition(":")[0] if host.count(":") == 1 or "]:" in host else host
    name = name.strip("[]")
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _refused(reference: str, version: str, limit: int, where: Location | None) -> SourceError:
    return SourceError(
        f"chart {reference} {version} is refused: its archive exceeds {limit} bytes",
        where=where,
        hint="Use a smaller chart",
    )
