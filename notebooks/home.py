import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="certlib")

with app.setup:
    import marimo as mo

    import certlib
    from certlib import identity


@app.cell
def _():
    mo.md(
        f"""
        # certlib {certlib.__version__}

        Data certification for state education agencies: districts and schools prove that the
        data they reported is right before the state funds and reports on it.

        {identity.deployment_note()}
        """
    )
    return


@app.cell
def _():
    apps = [
        ("dashboard.py", "Analyst dashboard",
         "State analysts (read-only): progress of every district and school, who is overdue, "
         "which rules fail where."),
        ("certify.py", "Certify",
         "District and school reviewers and certifiers: Message Center, your events, and the "
         "four-step certification wizard."),
        ("rule_lab.py", "Rule lab",
         "Rule authors: write validation SQL, see diagnostics, run it on the demo state and "
         "its fixtures."),
        ("state_console.py", "State console",
         "State staff: categories and members, create and publish events, approve or send back "
         "for recertification."),
    ]
    cards = [
        mo.callout(
            mo.md(f"### [{title}](?file={file})\n\n{text}\n\n[Open {title.lower()} →](?file={file})"),
            kind="neutral",
        )
        for file, title, text in apps
    ]
    mo.vstack([mo.hstack(cards[:2], widths="equal"), mo.hstack(cards[2:], widths="equal")])
    return


@app.cell
def _():
    mo.md(
        f"""
        Workspace: `{identity.workspace_dir()}` · deployment: **{identity.mode()}**. See the README's *Deploy* section to serve these apps behind an authenticating proxy.
        """
    ).style({"color": "#666", "font-size": "0.9em"})
    return


if __name__ == "__main__":
    app.run()
