"""Repositories and clusters: credentials encrypted at rest, shown as flags, decrypted on demand."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from sqlalchemy.ext.asyncio import create_async_engine

from gitward.store import (
    SECRET_KEY_VARIABLE,
    ClusterDefinition,
    Credentials,
    RepoDefinition,
    Store,
    StoreConfigError,
)
from gitward.store.database import database_url
from gitward.store.sealing import KEY_FILE_NAME

PASSWORD = "s3cr3t-pa55word"
TOKEN = "eyJhbGciOiJSUzI1NiJ9.test-token"
KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----"
REPO = "https://github.com/org/repo.git"
SERVER = "https://10.0.0.1:6443"


def repo(url: str = REPO, **credentials: str) -> RepoDefinition:
    return RepoDefinition(url=url, credentials=Credentials(**credentials), name="repo")


async def raw_dump(store_url: str, table: str) -> str:
    """Every row of ``table`` as text, read around the store."""
    engine = create_async_engine(database_url(store_url))
    try:
        async with engine.connect() as connection:
            rows = (await connection.execute(sa.text(f"SELECT * FROM {table}"))).all()
    finally:
        await engine.dispose()
    return repr(rows)


async def test_a_repository_reads_back_with_flags_and_never_its_secrets(store: Store) -> None:
    record = await store.repos.upsert(repo(username="git", password=PASSWORD))

    assert await store.repos.get(REPO) == record
    assert await store.repos.list() == [record]
    assert (record.username, record.has_password, record.has_ssh_private_key) == (
        "git",
        True,
        False,
    )
    assert PASSWORD not in repr(record)
    assert not any(PASSWORD in str(value) for value in vars_of(record))


def vars_of(record: object) -> list[object]:
    return [getattr(record, name) for name in record.__slots__]  # type: ignore[attr-defined]


async def test_credentials_are_encrypted_in_the_database(store: Store, store_url: str) -> None:
    await store.repos.upsert(repo(username="git", password=PASSWORD, ssh_private_key=KEY))
    await store.clusters.upsert(
        ClusterDefinition(server=SERVER, name="prod", credentials=Credentials(bearer_token=TOKEN))
    )

    rows = await raw_dump(store_url, "repositories") + await raw_dump(store_url, "clusters")

    assert "git" in rows
    for secret in (PASSWORD, TOKEN, "OPENSSH"):
        assert secret not in rows


async def test_credentials_for_a_url_come_back_decrypted(store: Store) -> None:
    await store.repos.upsert(repo(username="git", password=PASSWORD, ssh_private_key=KEY))

    found = await store.repos.credentials_for("https://GitHub.com/org/repo/")

    assert found == Credentials(username="git", password=PASSWORD, ssh_private_key=KEY)
    assert PASSWORD not in repr(found)
    assert found is not None
    assert found.secrets() == (PASSWORD, KEY)


async def test_a_credential_template_serves_every_url_under_its_prefix_longest_first(
    store: Store,
) -> None:
    await store.repos.upsert(
        RepoDefinition(url="https://github.com/org", template=True, credentials=Credentials("a"))
    )
    await store.repos.upsert(
        RepoDefinition(
            url="https://github.com/org/team", template=True, credentials=Credentials("b")
        )
    )
    await store.repos.upsert(repo("https://github.com/org/team/own", username="c"))

    async def user(url: str) -> str | None:
        found = await store.repos.credentials_for(url)
        return None if found is None else found.username

    assert await user("https://github.com/org/x.git") == "a"
    assert await user("https://github.com/org/team/y") == "b"
    assert await user("https://github.com/org/team/own.git") == "c"
    assert await user("https://gitlab.com/org/x") is None


async def test_a_repository_without_secrets_needs_no_key(store: Store, data_dir: Path) -> None:
    await store.repos.upsert(repo(username="anonymous"))

    assert await store.repos.credentials_for(REPO) == Credentials(username="anonymous")
    assert not (data_dir / KEY_FILE_NAME).exists()


async def test_the_key_file_is_created_on_first_use_readable_by_its_owner_only(
    store: Store, data_dir: Path
) -> None:
    await store.repos.upsert(repo(password=PASSWORD))

    key_file = data_dir / KEY_FILE_NAME
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    Fernet(key_file.read_bytes())  # a usable key


async def test_credentials_outlive_the_store_with_the_same_key_file(
    store: Store, store_url: str, data_dir: Path
) -> None:
    await store.repos.upsert(repo(password=PASSWORD))
    await store.close()

    async with await Store.open(store_url, data_dir=data_dir, env={}) as reopened:
        found = await reopened.repos.credentials_for(REPO)

    assert found is not None
    assert found.password == PASSWORD


async def test_the_key_from_the_environment_is_used_and_no_key_file_written(
    store_url: str, tmp_path: Path
) -> None:
    env = {SECRET_KEY_VARIABLE: Fernet.generate_key().decode()}
    async with await Store.open(store_url, data_dir=tmp_path / "keys", env=env) as store:
        await store.repos.upsert(repo(password=PASSWORD))
    async with await Store.open(store_url, data_dir=tmp_path / "keys", env=env) as store:
        found = await store.repos.credentials_for(REPO)

    assert found is not None
    assert found.password == PASSWORD
    assert not (tmp_path / "keys").exists()


async def test_credentials_sealed_with_another_key_are_refused_without_showing_them(
    store_url: str, tmp_path: Path
) -> None:
    first = {SECRET_KEY_VARIABLE: Fernet.generate_key().decode()}
    other = {SECRET_KEY_VARIABLE: Fernet.generate_key().decode()}
    async with await Store.open(store_url, data_dir=tmp_path, env=first) as store:
        await store.repos.upsert(repo(password=PASSWORD))

    async with await Store.open(store_url, data_dir=tmp_path, env=other) as store:
        with pytest.raises(StoreConfigError) as caught:
            await store.repos.credentials_for(REPO)

    assert "cannot be decrypted" in caught.value.message
    assert "repository https://github.com/org/repo.git" in caught.value.message
    assert PASSWORD not in caught.value.message
    assert other[SECRET_KEY_VARIABLE] not in caught.value.message


async def test_a_secret_key_that_is_no_fernet_key_is_refused_without_echoing_it(
    store_url: str, tmp_path: Path
) -> None:
    env = {SECRET_KEY_VARIABLE: "correct horse battery staple"}
    async with await Store.open(store_url, data_dir=tmp_path, env=env) as store:
        with pytest.raises(StoreConfigError) as caught:
            await store.repos.upsert(repo(password=PASSWORD))

    assert SECRET_KEY_VARIABLE in caught.value.message
    assert "horse" not in caught.value.message
    assert "Fernet.generate_key" in caught.value.hint


@pytest.fixture
def world_readable_key(data_dir: Path) -> Path:
    data_dir.mkdir(parents=True)
    key_file = data_dir / KEY_FILE_NAME
    key_file.write_bytes(Fernet.generate_key())
    key_file.chmod(0o644)
    return key_file


async def test_a_key_file_others_can_read_is_refused(
    store: Store, world_readable_key: Path
) -> None:
    key_file = world_readable_key
    with pytest.raises(StoreConfigError, match="may be read by others") as caught:
        await store.repos.upsert(repo(password=PASSWORD))

    assert caught.value.hint == f"chmod 600 {key_file}"


@pytest.mark.parametrize(
    ("definition", "field"),
    [
        (RepoDefinition(url="https://bob:pw@github.com/org/repo"), "url"),
        (RepoDefinition(url=REPO, proxy="http://bob:pw@proxy:3128"), "proxy"),
        (RepoDefinition(url=REPO, type="svn"), "type"),
        (RepoDefinition(url="  "), "url"),
    ],
)
async def test_an_unusable_repository_is_refused_naming_the_field(
    store: Store, definition: RepoDefinition, field: str
) -> None:
    with pytest.raises(StoreConfigError) as caught:
        await store.repos.upsert(definition)

    assert caught.value.where.field == field
    assert ":pw@" not in caught.value.message


async def test_an_ssh_url_with_a_user_is_accepted(store: Store) -> None:
    record = await store.repos.upsert(repo("ssh://git@github.com/org/repo", ssh_private_key=KEY))

    assert record.has_ssh_private_key


async def test_replacing_a_repository_replaces_its_credentials(store: Store) -> None:
    await store.repos.upsert(repo(username="git", password=PASSWORD))

    record = await store.repos.upsert(repo(bearer_token=TOKEN))

    assert (record.has_password, record.has_bearer_token, record.username) == (False, True, "")
    assert await store.repos.credentials_for(REPO) == Credentials(bearer_token=TOKEN)
    assert await store.repos.delete(REPO) is True
    assert await store.repos.credentials_for(REPO) is None


async def test_a_cluster_reads_back_with_flags_and_by_name(store: Store) -> None:
    definition = ClusterDefinition(
        server=SERVER + "/",
        name="prod",
        credentials=Credentials(bearer_token=TOKEN, ca_data="CA"),
        namespaces=("web", "db"),
        labels={"env": "prod"},
    )

    record = await store.clusters.upsert(definition)

    assert record.server == SERVER
    assert await store.clusters.get(SERVER) == record
    assert await store.clusters.by_name("prod") == record
    assert await store.clusters.list() == [record]
    assert (record.has_bearer_token, record.has_ca_data, record.has_password) == (True, True, False)
    assert record.namespaces == ("web", "db")
    assert TOKEN not in repr(record)
    assert TOKEN not in repr(definition)
    assert await store.clusters.credentials_for(SERVER) == Credentials(
        bearer_token=TOKEN, ca_data="CA"
    )


async def test_a_cluster_name_belongs_to_one_cluster(store: Store) -> None:
    await store.clusters.upsert(ClusterDefinition(server=SERVER, name="prod"))

    with pytest.raises(StoreConfigError, match="already used by the cluster"):
        await store.clusters.upsert(ClusterDefinition(server="https://other:6443", name="prod"))

    assert [cluster.server for cluster in await store.clusters.list()] == [SERVER]


async def test_an_unknown_cluster_has_no_credentials_and_deletes_as_false(store: Store) -> None:
    assert await store.clusters.credentials_for(SERVER) is None
    assert await store.clusters.delete(SERVER) is False


def test_credentials_show_which_secrets_are_set_and_never_their_values() -> None:
    credentials = Credentials(username="git", password=PASSWORD, bearer_token=TOKEN)

    assert (
        repr(credentials) == "Credentials(username='git', password=<hidden>, bearer_token=<hidden>)"
    )
    assert PASSWORD not in repr(RepoDefinition(url=REPO, credentials=credentials))
    assert PASSWORD not in repr(ClusterDefinition(server=SERVER, credentials=credentials))
