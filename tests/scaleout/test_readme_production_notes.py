"""The README's production notes hold what the scale-out and check --deploy tests run: if the
README changes, these tests run the new lines, and a block they cannot read fails here first."""

from tests.scaleout import readme
from tests.test_production_settings import PRODUCTION


def test_the_readme_gives_the_web_server_and_worker_commands_with_their_database_and_redis():
    notes = readme.read()
    assert notes.web[:2] == ["gunicorn", "bcsales.wsgi"] and "--bind" in notes.web
    assert notes.worker[:3] == ["python", "manage.py", "rqworker"]
    assert notes.exported["DATABASE_URL"].startswith("postgres://")
    assert notes.exported["REDIS_URL"].startswith("redis://")


def test_the_readme_production_settings_are_the_ones_check_deploy_is_run_with():
    assert readme.read().settings == PRODUCTION


def test_the_commands_run_here_keep_the_readme_s_arguments():
    notes = readme.read()
    web = readme.web_command(notes, 8123)
    assert web[web.index("--bind") + 1] == "127.0.0.1:8123"
    assert web[2:] == [part if not part.endswith(":8000") else "127.0.0.1:8123"
                       for part in notes.web]
    worker = readme.worker_command(notes, "w1")
    assert worker[1:] == ["manage.py", "rqworker", "--name", "w1", *notes.worker[3:]]
