import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="certlib")

with app.setup:
    import marimo as mo

    import certlib
    from certlib.apps import session


@app.cell
def _():
    mo.md(
        f"""
        # certlib {certlib.__version__}

        Data certification for state education agencies: districts and schools prove that the
        data they reported is right before the state funds and reports on it.

        {session.deployment_note()}
        """
    )
    return


@app.cell
def _():
    _nobody = session.not_signed_in()
    mo.stop(bool(_nobody), mo.callout(mo.md(_nobody), kind="warn"))
    ws, ws_problem = session.open_workspace()
    mo.stop(ws is None, mo.callout(mo.md(f"**No workspace yet.** {ws_problem}"), kind="warn"))
    _me = session.landing(ws)
    mo.stop(bool(_me.stop_message), mo.callout(mo.md(_me.stop_message), kind=_me.stop_kind))
    signed_in = _me.banner
    return (signed_in, ws)


@app.cell
def _(signed_in):
    apps = [
        (
            "dashboard.py",
            "Analyst dashboard",
            "State analysts (read-only): progress of every district and school, who is overdue, "
            "which rules fail where.",
        ),
        (
            "certify.py",
            "Certify",
            "District and school reviewers and certifiers: Message Center, your events, and the "
            "four-step certification wizard.",
        ),
        (
            "rule_lab.py",
            "Rule lab",
            "Rule authors: write validation SQL, see diagnostics, run it on the demo state and its fixtures.",
        ),
        (
            "state_console.py",
            "State console",
            "State staff: categories and members, create and publish events, approve or send back for recertification.",
        ),
    ]
    cards = [
        mo.callout(
            mo.md(f"### [{title}](?file={file})\n\n{text}\n\n[Open {title.lower()} →](?file={file})"),
            kind="neutral",
        )
        for file, title, text in apps
    ]
    mo.vstack([mo.md(signed_in), mo.hstack(cards[:2], widths="equal"), mo.hstack(cards[2:], widths="equal")])
    return


@app.cell
def _(ws):
    mo.md(
        f"""
        Workspace: `{ws.root}` · deployment: **{session.mode()}**. See the README's *Deploy* section to serve these apps behind an authenticating proxy.
        """
    ).style({"color": "#666", "font-size": "0.9em"})
    return


if __name__ == "__main__":
    app.run()
