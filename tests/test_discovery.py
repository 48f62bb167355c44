"""FW-02: discovery through entry points, isolated loads, enable/disable, safe mode."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from conftest import GOOD_PLUGIN

from liasse.discovery import PluginStatus, load_plugins
from liasse.manager import LiassePluginManager

BUILTINS = {"ar24", "docsecure", "esign", "juriszone"}

Install = Callable[[str, str], None]


def load(**kwargs: object) -> tuple[LiassePluginManager, dict[str, object]]:
    pm = LiassePluginManager()
    records = {r.name: r for r in load_plugins(pm, **kwargs)}  # type: ignore[arg-type]
    return pm, records


def test_fw02_builtin_plugins_load_through_entry_points() -> None:
    pm, records = load()
    for name in BUILTINS:
        record = records[name]
        assert record.status is PluginStatus.OK, (name, record.error)
        assert record.builtin
        assert record.distribution[0] == "liasse"
        assert pm.get_plugin(name) is not None


def test_fw02_third_party_plugin_is_found_with_its_distribution(install_plugin: Install) -> None:
    install_plugin("vendor", GOOD_PLUGIN)
    _, records = load()
    record = records["vendor"]
    assert record.status is PluginStatus.OK
    assert not record.builtin
    assert record.distribution == ("liasse-vendor-vendor", "1.2.3")


def test_fw02_plugin_whose_import_raises_is_reported_and_others_load(install_plugin: Install) -> None:
    install_plugin("broken", "raise RuntimeError('vendor forgot a dependency')\n")
    pm, records = load()
    assert records["broken"].status is PluginStatus.ERROR
    assert "vendor forgot a dependency" in records["broken"].error
    assert pm.get_plugin("broken") is None
    assert all(records[name].status is PluginStatus.OK for name in BUILTINS)


def test_fw02_misspelt_hook_is_reported_with_a_suggestion_and_nothing_half_registered(install_plugin: Install) -> None:
    install_plugin("typo", GOOD_PLUGIN + "\n@hookimpl\ndef liasse_send_documnets(ctx, send):\n    return None\n")
    pm, records = load()
    record = records["typo"]
    assert record.status is PluginStatus.ERROR
    assert "liasse_send_documnets" in record.error
    assert "did you mean liasse_send_documents" in record.error
    assert pm.get_plugin("typo") is None
    # Its valid hooks did not stay behind either.
    assert all(impl.plugin_name != "typo" for impl in pm.hook.liasse_check_access.get_hookimpls())
    pm.check_pending()


def test_fw02_hook_argument_not_in_spec_is_rejected(install_plugin: Install) -> None:
    install_plugin("badargs", GOOD_PLUGIN + "\n@hookimpl\ndef liasse_remind(ctx, remote_id, urgency):\n    return None\n")
    pm, records = load()
    assert records["badargs"].status is PluginStatus.ERROR
    assert "urgency" in records["badargs"].error
    assert pm.get_plugin("badargs") is None


def test_fw02_provider_info_of_wrong_type_is_reported(install_plugin: Install) -> None:
    install_plugin("notinfo", "from liasse import hookimpl\n@hookimpl\ndef liasse_provider_info():\n    return {'title': 'x'}\n")
    _, records = load()
    assert records["notinfo"].status is PluginStatus.ERROR
    assert "not liasse.records.ProviderInfo" in records["notinfo"].error


def test_fw02_plugin_for_another_spec_major_is_refused(install_plugin: Install) -> None:
    install_plugin("future", GOOD_PLUGIN.replace('sandbox="x:y")', 'sandbox="x:y", spec_version="2.0")'))
    _, records = load()
    assert records["future"].status is PluginStatus.ERROR
    assert "2.0" in records["future"].error


def test_fw02_non_provider_may_not_answer_provider_steps(install_plugin: Install) -> None:
    install_plugin("hijack", "from liasse import hookimpl\n@hookimpl\ndef liasse_check_access(ctx):\n    return None\n")
    _, records = load()
    assert records["hijack"].status is PluginStatus.ERROR
    assert "only providers implement them" in records["hijack"].error


def test_fw02_missing_capability_hooks_are_listed(install_plugin: Install) -> None:
    # GOOD_PLUGIN declares the share capability but implements only the access test.
    install_plugin("vendor", GOOD_PLUGIN)
    _, records = load()
    record = records["vendor"]
    assert record.status is PluginStatus.OK
    assert record.hooks == ("liasse_check_access", "liasse_provider_info")
    assert record.missing_hooks == (
        "liasse_export_file",
        "liasse_fetch_document",
        "liasse_list_shared_documents",
        "liasse_provider_limits",
        "liasse_share_documents",
        "liasse_share_events",
        "liasse_sync_status",
        "liasse_upload_documents",
    )


def test_fw02_safe_mode_loads_no_third_party_plugin(install_plugin: Install) -> None:
    install_plugin("vendor", GOOD_PLUGIN)
    pm, records = load(safe_mode=True)
    assert records["vendor"].status is PluginStatus.DISABLED
    assert "safe mode" in records["vendor"].error
    assert pm.get_plugin("vendor") is None
    assert records["docsecure"].status is PluginStatus.OK


def test_fw02_disabled_plugin_is_never_imported(install_plugin: Install) -> None:
    install_plugin("explosive", "raise RuntimeError('imported although disabled')\n")
    _, records = load(disabled=["explosive"])
    assert records["explosive"].status is PluginStatus.DISABLED


def test_fw02_enabled_list_restricts_loading() -> None:
    pm, records = load(enabled=["docsecure"])
    assert records["docsecure"].status is PluginStatus.OK
    assert records["esign"].status is PluginStatus.DISABLED
    assert pm.get_plugin("esign") is None


@pytest.mark.parametrize("name", sorted(BUILTINS))
def test_fw02_plugins_stay_light_to_import(name: str) -> None:
    import subprocess
    import sys

    code = f"import sys, liasse_{name}.plugin; print(sorted(m for m in ('requests', 'flask', 'sqlalchemy') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60).stdout
    assert out.strip() == "[]"
