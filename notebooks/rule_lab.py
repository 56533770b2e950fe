import marimo

__generated_with = "0.25.2"
app = marimo.App(width="full", app_title="certlib · rule lab")

with app.setup:
    import datetime as dt

    import marimo as mo

    from certlib.apps import rule_lab as dash
    from certlib.apps import session


@app.cell
def _():
    mo.vstack(
        [
            mo.md("# Rule lab"),
            mo.md(
                "Write a validation rule as SQL, see its diagnostics as you type, the SQL certlib runs "
                "with polars and the same rule in another dialect, then run it on the demo state or one "
                "district and on its fixture cases. [← all apps](?file=home.py)"
            ),
        ]
    )
    return


@app.cell
def _():
    _nobody = session.not_signed_in()
    mo.stop(bool(_nobody), mo.callout(mo.md(_nobody), kind="warn"))
    ws, ws_problem = session.open_workspace()
    mo.stop(ws is None, mo.callout(mo.md(f"**No workspace yet.** {ws_problem}"), kind="warn"))
    return (ws,)


@app.cell
def _(ws):
    who = session.picker(ws.users(), levels=("state",))
    who
    return (who,)


@app.cell
def _(who, ws):
    _me = session.sign_in(who, ws, app="rule_lab")
    mo.stop(_me.user is None, mo.callout(mo.md(_me.stop_message), kind=_me.stop_kind))
    user = _me.user
    mo.md(f"{_me.banner} · runs read **{_me.scope.describe()}**")
    return (user,)


@app.cell
def _(user, ws):
    mo.stop(user is None)
    with mo.status.spinner(title="Loading the rule pack…"):
        pack = dash.lab_pack(ws)
    rule_pick = mo.ui.dropdown(dash.rule_options(pack), value="➕ New rule", label="Open a rule", searchable=True)
    source_dialect = mo.ui.dropdown(dash.LAB_DIALECTS, value=pack.dialect, label="Rule dialect")
    mo.hstack(
        [rule_pick, source_dialect, mo.md(f"pack: **{pack.name}** · {len(pack.rules)} rules")], justify="start", gap=2
    )
    return pack, rule_pick, source_dialect


@app.cell
def _(pack, rule_pick):
    editor = mo.ui.code_editor(
        value=dash.rule_text(pack, rule_pick.value),
        language="sql",
        min_height=260,
        debounce=600,
        label="Rule file: `-- key: value` header, then one SELECT",
    )
    editor
    return (editor,)


@app.cell
def _():
    school_year = mo.ui.number(start=2000, stop=2100, value=2025, label=":school_year")
    as_of = mo.ui.date(value=dt.date(2025, 6, 30), label=":as_of_date")
    mo.hstack([mo.md("**Parameters**"), school_year, as_of], justify="start", gap=2)
    return as_of, school_year


@app.cell
def _(as_of, editor, pack, school_year, source_dialect):
    params = {"school_year": school_year.value, "as_of_date": as_of.value}
    lab = dash.lab_compile(editor.value, pack, source_dialect.value, params)
    diags = dash.diagnostics_frame(lab.diagnostics)
    mo.vstack(
        [
            mo.md("## Diagnostics"),
            mo.callout(
                mo.md("**Compiles cleanly.** Every table and column is known; the SQL below is what polars runs."),
                kind="success",
            )
            if lab.ok
            else mo.callout(mo.md(f"**The rule does not compile.** `{dash.first_line(lab.message)}`"), kind="danger"),
            mo.ui.table(diags, selection=None, label="line/col are positions in the editor")
            if diags.height
            else mo.md(""),
        ]
    )
    return lab, params


@app.cell
def _(lab):
    mo.stop(not lab.ok)
    mo.vstack(
        [
            mo.md("## Compiled polars SQL"),
            mo.ui.code_editor(value=lab.compiled.sql, language="sql", disabled=True),
            mo.md(
                f"Key columns: `{', '.join(lab.compiled.key_columns)}` · tables read: "
                f"`{', '.join(lab.compiled.tables)}`"
            ),
            mo.md("### Lineage (source table → columns read)"),
            mo.ui.table(dash.lineage_frame(lab.compiled), selection=None),
        ]
    )
    return


@app.cell
def _():
    target_dialect = mo.ui.dropdown(dash.LAB_DIALECTS, value="duckdb", label="Transpile to")
    return (target_dialect,)


@app.cell
def _(lab, pack, params, target_dialect):
    mo.stop(not lab.ok)
    _sql, _problem = dash.lab_transpile(lab.rule, pack, target_dialect.value, params)
    mo.vstack(
        [
            mo.md("## The rule in another dialect"),
            target_dialect,
            mo.ui.code_editor(value=_sql, language="sql", disabled=True)
            if _sql
            else mo.callout(mo.md(f"Cannot transpile faithfully: {_problem}"), kind="warn"),
        ]
    )
    return


@app.cell
def _(lab, user, ws):
    mo.stop(not lab.ok)
    _sources = dash.data_sources(ws, user)
    mo.stop(
        not _sources,
        mo.callout(
            mo.md(
                "No data to run on: create the demo workspace (`make run` or `certlib demo init`) or "
                "generate a state with `certlib generate --out sample_data/state`."
            ),
            kind="warn",
        ),
    )
    source = mo.ui.dropdown(_sources, value=next(iter(_sources)), label="Run on")
    scope_district = mo.ui.text(label="Narrow to district number", placeholder="all in your scope")
    scope_school = mo.ui.text(label="Narrow to school code", placeholder="all in your scope")
    run_button = mo.ui.run_button(label="Run rule", kind="success")
    mo.vstack([mo.md("## Run"), mo.hstack([source, scope_district, scope_school, run_button], justify="start", gap=2)])
    return run_button, scope_district, scope_school, source


@app.cell
def _(lab, pack, run_button, scope_district, scope_school, source, user, ws):
    mo.stop(not run_button.value, mo.md("_Press **Run rule** to run it on the chosen data._"))
    started = dash.attempt(
        "run",
        dash.lab_start,
        ws,
        user,
        lab.compiled,
        pack,
        source.value,
        {"district_number": scope_district.value.strip(), "school_code": scope_school.value.strip()},
    )
    mo.stop(not started.ok, mo.callout(mo.md(started.message), kind="danger"))
    query = started.value
    stop_button = mo.ui.run_button(label="Stop", kind="danger")
    ticker = mo.ui.refresh(options=["1s"], default_interval="1s")
    return query, stop_button, ticker


@app.cell
def _(query, stop_button):
    mo.stop(not stop_button.value)
    query.stop()
    return


@app.cell
def _(query, stop_button, ticker):
    _st = query.poll()
    _r = _st.run
    mo.stop(
        _st.state == "running",
        mo.hstack(
            [
                mo.md(f"**Running in a worker process…** {_st.elapsed_s:,.0f} s"),
                stop_button,
                mo.Html(f"<div style='display:none'>{ticker}</div>"),
            ],
            justify="start",
            gap=1,
        ),
    )
    mo.stop(
        _r is None,
        mo.callout(
            mo.md(f"**{_st.state.capitalize()}.** {_st.message}"), kind="warn" if _st.state == "stopped" else "danger"
        ),
    )
    mo.vstack(
        [
            mo.hstack(
                [
                    mo.stat(label="Rows found", value=f"{_r.count:,}", caption=f"{_r.shown:,} shown", bordered=True),
                    mo.stat(
                        label="Time", value=f"{_r.elapsed_ms:,.0f} ms", caption="scan + plan + collect", bordered=True
                    ),
                    mo.stat(**dash.result_stat(_r)),
                ],
                justify="start",
                gap=1,
            ),
            mo.callout(mo.md(_r.note), kind="info") if _r.note else mo.md(""),
            mo.ui.table(dash.shown_rows(_r), selection=None, page_size=20)
            if _r.shown
            else mo.callout(mo.md("No rows: the rule passes on this data."), kind="success"),
        ]
    )
    return


@app.cell
def _(lab):
    mo.stop(not lab.ok)
    fixtures_button = mo.ui.run_button(label="Run the rule's fixture cases")
    mo.vstack([mo.md("## Fixture cases"), fixtures_button])
    return (fixtures_button,)


@app.cell
def _(fixtures_button, lab, pack):
    mo.stop(not fixtures_button.value)
    with mo.status.spinner(title="Running fixtures…"):
        cases = dash.lab_fixtures(pack, lab.rule)
    mo.vstack(
        [
            mo.md(
                f"**{int(cases['passed'].sum())} passed, {int((~cases['passed']).sum())} failed**"
                if cases.height
                else f"No fixture cases for {lab.rule.id} yet: add `rules/cases/{lab.rule.id}.toml`."
            ),
            mo.ui.table(cases, selection=None) if cases.height else mo.md(""),
        ]
    )
    return


@app.cell
def _(lab):
    mo.stop(not lab.ok)
    _allowed, _why = session.can_save_rules(mo.app_meta().mode)
    save_button = mo.ui.run_button(label=f"Save as {lab.rule.id}.sql", disabled=not _allowed, tooltip=_why or None)
    mo.vstack([mo.md("## Save"), save_button, mo.md(f"_{_why}_") if _why else mo.md("")])
    return (save_button,)


@app.cell
def _(editor, lab, pack, save_button):
    mo.stop(not save_button.value)
    saved = dash.attempt("save rule", dash.save_rule, editor.value, pack, lab.rule, mo.app_meta().mode)
    mo.callout(mo.md(f"{saved.message} → `{saved.value}`" if saved.ok else saved.message), kind=saved.callout_kind())
    return


if __name__ == "__main__":
    app.run()
