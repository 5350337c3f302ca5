"""Entry point: `python run.py` serves the app; `flask --app run ...` runs CLI commands."""

from app import create_app

app = create_app()

if __name__ == "__main__":
    if app.config["SCHEDULER_IN_WEB"]:
        from app.jobs import start_scheduler

        # The single-machine default: jobs run beside the web server in this process.
        start_scheduler(app)
    app.run(host="127.0.0.1", port=app.config["PORT"], threaded=True, use_reloader=False)
