"""Sync options from the app, the request and one resource's annotation."""

from __future__ import annotations

import pytest
from sync_builders import OPTIONS

from gitward.errors import Location, ManifestError
from gitward.sync import PruneMode, ResourceOptions, resource_options, sync_options

HERE = Location(obj="Application web")


def test_no_options_means_argo_cds_defaults():
    found = sync_options([], HERE)

    assert found.prune_propagation == "Foreground"
    assert not found.create_namespace
    assert found.defaults == ResourceOptions()


def test_app_level_options_are_read_with_their_values():
    found = sync_options(
        [
            "CreateNamespace=true",
            "ApplyOutOfSyncOnly=true",
            "FailOnSharedResource=true",
            "PrunePropagationPolicy=background",
            "Prune=confirm",
            "PruneLast=true",
            " Validate=false ",
        ],
        HERE,
    )

    assert found.create_namespace and found.apply_out_of_sync_only
    assert found.fail_on_shared_resource
    assert found.prune_propagation == "Background"
    assert found.defaults.prune is PruneMode.CONFIRM
    assert found.defaults.prune_last
    assert not found.defaults.validate


def test_a_later_option_wins_over_an_earlier_one():
    assert sync_options(["Prune=false", "Prune=true"], HERE).defaults.prune is PruneMode.ALLOW


def test_values_are_read_case_insensitively():
    assert sync_options(["PrunePropagationPolicy=Orphan"], HERE).prune_propagation == "Orphan"


def test_a_resource_annotation_overrides_the_app_level_default():
    defaults = sync_options(["Prune=false", "Replace=true"], HERE).defaults

    found = resource_options({OPTIONS: "Prune=true, PruneLast=true"}, defaults, HERE)

    assert found.prune is PruneMode.ALLOW
    assert found.prune_last
    assert found.replace


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        (["Prune=flase"], "Prune=flase is not true, false or confirm"),
        (["PruneLast=yes"], "PruneLast=yes is not true or false"),
        (["PrunePropagationPolicy=sideways"], "not a deletion propagation policy"),
        (["CreateNamespace"], "is not Key=Value"),
    ],
)
def test_an_unreadable_option_is_an_error_not_a_silent_default(items, expected):
    with pytest.raises(ManifestError) as caught:
        sync_options(items, HERE)

    assert expected in caught.value.message
    assert "Application web" in caught.value.message


def test_an_unreadable_annotation_names_the_resource_and_the_annotation():
    where = Location(obj="ConfigMap dev/settings")

    with pytest.raises(ManifestError) as caught:
        resource_options({OPTIONS: "Prune=never"}, ResourceOptions(), where)

    assert "ConfigMap dev/settings" in caught.value.message
    assert OPTIONS in caught.value.message


def test_unknown_keys_are_left_alone():
    assert sync_options(["SomethingNew=true"], HERE) == sync_options([], HERE)
