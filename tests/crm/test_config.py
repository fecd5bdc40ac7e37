"""Configuration: file, environment, validation, secrets and the documented example."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from crm.config import SETTINGS, load_config
from crm.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _in_empty_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def test_defaults_without_file_or_environment(tmp_path: Path) -> None:
    config = load_config(environ={})
    assert config.timezone == "Asia/Shanghai"
    assert config.locale == "zh-CN"
    assert config.database_url == f"sqlite:///{tmp_path / 'data' / 'crm.db'}"
    assert config.key_file == tmp_path / "data" / "crm.key"
    assert config.file is None


def test_operator_variables_override_the_file(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text(
        'locale = "en"\ntimezone = "UTC"\n[telegram]\nbase_url = "http://a:1/bot"\n')
    env = {
        "CRM_TELEGRAM_TOKEN": "123456:" + "A" * 35,
        "CRM_TELEGRAM_BASE_URL": "http://localhost:8081/bot",
        "CRM_TELEGRAM_BASE_FILE_URL": "http://localhost:8081/file/bot",
        "CRM_DATABASE_URL": "postgresql://crm:pw@db:5432/crm",
        "CRM_DATA_DIR": str(tmp_path / "var"),
        "CRM_TIMEZONE": "Europe/Berlin",
        "CRM_LOCALE": "zh-CN",
    }
    config = load_config(environ=env)
    assert config.file == Path("config.toml")
    assert config.telegram_token == env["CRM_TELEGRAM_TOKEN"]
    assert config["telegram.base_url"] == "http://localhost:8081/bot"
    assert config["telegram.base_file_url"] == "http://localhost:8081/file/bot"
    assert config.database_url == "postgresql://crm:pw@db:5432/crm"
    assert config.data_dir == tmp_path / "var"
    assert config.timezone == "Europe/Berlin"
    assert config.locale == "zh-CN"
    assert config.sources["timezone"] == "CRM_TIMEZONE"


def test_every_key_has_a_working_environment_variable() -> None:
    for setting in SETTINGS:
        assert setting.env_var.startswith("CRM_")
    config = load_config(environ={"CRM_DATABASE_BUSY_TIMEOUT_MS": "750",
                                  "CRM_LOGGING_LEVEL": "debug"})
    assert config["database.busy_timeout_ms"] == 750
    assert config["logging.level"] == "DEBUG"


def test_config_file_from_flag_then_crm_config(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text('locale = "en"\n')
    (tmp_path / "b.toml").write_text('timezone = "UTC"\n')
    (tmp_path / "config.toml").write_text('timezone = "Asia/Tokyo"\n')
    from_env = load_config(environ={"CRM_CONFIG": str(tmp_path / "b.toml")})
    assert from_env.timezone == "UTC"
    from_flag = load_config(str(tmp_path / "a.toml"), environ={"CRM_CONFIG": "b.toml"})
    assert from_flag.locale == "en" and from_flag.timezone == "Asia/Shanghai"
    assert load_config(environ={}).timezone == "Asia/Tokyo"


@pytest.mark.parametrize(("env", "key"), [
    ({"CRM_TIMEZONE": "Mars/Olympus"}, "timezone"),
    ({"CRM_TIMEZONE": "Pacific"}, "timezone"),  # a folder of the zone database
    ({"CRM_LOCALE": "fr"}, "locale"),
    ({"CRM_DATABASE_URL": "mysql://x/y"}, "database.url"),
    ({"CRM_TELEGRAM_TOKEN": "not-a-token"}, "telegram.token"),
    ({"CRM_TELEGRAM_BASE_URL": "ftp://x"}, "telegram.base_url"),
    ({"CRM_DATABASE_BUSY_TIMEOUT_MS": "soon"}, "database.busy_timeout_ms"),
    ({"CRM_PHONE_REGION": "XX"}, "phone_region"),
])
def test_a_wrong_value_names_the_key_and_what_is_allowed(env: dict[str, str], key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(environ=env)
    message = str(caught.value)
    assert caught.value.params["key"] == key
    assert key in message and "expected" in message
    assert "\n" not in message


def test_a_secret_is_never_shown_in_errors_or_descriptions() -> None:
    bad_token = "12345:short-secret-value"
    with pytest.raises(ConfigError) as caught:
        load_config(environ={"CRM_TELEGRAM_TOKEN": bad_token})
    assert "short-secret-value" not in str(caught.value)
    good = load_config(environ={"CRM_TELEGRAM_TOKEN": "123456:" + "S" * 35,
                                "CRM_DATABASE_URL": "postgresql://crm:hunter2@db/crm"})
    shown = " ".join(" ".join(row) for row in good.describe())
    assert "S" * 35 not in shown and "hunter2" not in shown
    assert "postgresql://crm:***@db/crm" in shown


def test_unknown_key_in_the_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('[telegram]\ntokn = "x"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(environ={})
    assert caught.value.params["key"] == "telegram.tokn"


def test_wrong_type_in_the_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text("[database]\nbusy_timeout_ms = \"5s\"\n")
    with pytest.raises(ConfigError) as caught:
        load_config(environ={})
    assert caught.value.params["key"] == "database.busy_timeout_ms"


def test_a_missing_config_file_named_explicitly_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(str(tmp_path / "nope.toml"), environ={})
    assert caught.value.code == "config.file_missing"


def test_the_example_documents_every_key_and_loads() -> None:
    example = ROOT / "config.example.toml"
    text = example.read_text(encoding="utf-8")
    data = tomllib.loads(text)
    flat = {f"{s}.{k}" if isinstance(v, dict) else s
            for s, v in data.items() for k in (v if isinstance(v, dict) else [None])}
    documented = {name.removesuffix(".None") for name in flat}
    assert documented == {s.name for s in SETTINGS}
    for setting in SETTINGS:
        assert setting.env_var in text, f"{setting.env_var} is not mentioned in the example"
    config = load_config(str(example), environ={})
    assert config.locale == "zh-CN"


def test_switches_read_true_or_false_words_and_refuse_others() -> None:
    assert load_config(environ={"CRM_REMINDERS_BIRTHDAYS": "off"},
                       look_in_cwd=False)["reminders.birthdays"] is False
    assert load_config(environ={"CRM_REMINDERS_BIRTHDAYS": "Yes"},
                       look_in_cwd=False)["reminders.birthdays"] is True
    with pytest.raises(ConfigError) as caught:
        load_config(environ={"CRM_REMINDERS_BIRTHDAYS": "maybe"}, look_in_cwd=False)
    assert caught.value.params["key"] == "reminders.birthdays"


def test_a_schedule_that_is_not_cron_is_refused() -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(environ={"CRM_REMINDERS_RULES_SCHEDULE": "every hour"}, look_in_cwd=False)
    assert caught.value.params["key"] == "reminders.rules_schedule"
