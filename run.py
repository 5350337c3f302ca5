"""Entry point: `python run.py` serves the app; `flask --app run ...` runs CLI commands."""

from app import create_app

app = create_app()

if __name__ == "__main__":
    if app.config["SCHEDULER_IN_WEB"]:
        from app.jobs import run_in_background

        # The single-machine default: jobs run beside the web server, under the lease.
        run_in_background(app)
    app.run(host="127.0.0.1", port=app.config["PORT"], threaded=True, use_reloader=False)
