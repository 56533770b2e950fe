import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="certlib")

with app.setup:
    import marimo as mo

    import certlib


@app.cell
def _():
    mo.md(
        f"""
        # certlib {certlib.__version__}

        Data certification for state education agencies. The analyst dashboard, the certification
        wizard, the rule lab and the state console are being built; this page confirms the server runs.
        """
    )
    return


if __name__ == "__main__":
    app.run()
