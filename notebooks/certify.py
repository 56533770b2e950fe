import marimo

__generated_with = "0.25.2"
app = marimo.App(width="full", app_title="certlib · certify")

with app.setup:
    import marimo as mo

    from certlib.apps import certify as dash
    from certlib.apps import history as hist
    from certlib.apps import session
    from certlib.services import differences as dif


@app.cell
def _():
    mo.vstack(
        [
            mo.md("# Certify your data"),
            mo.md(
                "Your Message Center, the certification events you review or certify, and the four-step "
                "wizard: District Validation → State Validation → Snapshot Validation → Certify and Submit. "
                "[← all apps](?file=home.py)"
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
    store = ws.store
    get_version, set_version = mo.state(0)
    get_unit_sel, set_unit_sel = mo.state(None)
    get_note, set_note = mo.state(None)
    get_step, set_step = mo.state(1)
    get_reports, set_reports = mo.state({})
    get_open, set_open = mo.state(None)
    return (
        get_note,
        get_open,
        get_reports,
        get_step,
        get_unit_sel,
        get_version,
        set_note,
        set_open,
        set_reports,
        set_step,
        set_unit_sel,
        set_version,
        store,
        ws,
    )


@app.cell
def _(store):
    who = session.picker(store.users(), levels=("district", "school"))
    who
    return (who,)


@app.cell
def _(store, who, ws):
    _me = session.sign_in(who, store, app="certify")
    mo.stop(_me.user is None, mo.callout(mo.md(_me.stop_message), kind=_me.stop_kind))
    user, now = _me.user, dash.now_for(ws)
    mo.md(f"{_me.banner} · today is **{now:%Y-%m-%d}**")
    return now, user


@app.cell
def _(get_note):
    _note = get_note()
    mo.callout(mo.md(_note.message), kind=_note.callout_kind()) if _note is not None else None
    return


@app.cell
def _(get_version, user, ws):
    get_version()
    inbox = dash.messages_frame(ws.messages(user.id))
    msg_name = mo.ui.text(label="Name")
    msg_process = mo.ui.dropdown(
        ["All Processes", *sorted(set(inbox["Process"].to_list()))], value="All Processes", label="Process"
    )
    return inbox, msg_name, msg_process


@app.cell
def _(inbox, msg_name, msg_process):
    shown_msgs = dash.filter_messages(inbox, msg_name.value, msg_process.value)
    messages_grid = mo.ui.table(
        shown_msgs,
        selection="multi",
        page_size=5,
        show_download=False,
        hidden_columns=["id", "unit_id"],
        label="Process Alerts",
    )
    mark_read = mo.ui.run_button(label="Mark selected as read")
    open_alert = mo.ui.run_button(
        label="Open its event",
        kind="success",
        tooltip="The selected alert's event opens in the wizard below (marked read)",
    )
    _unread = dash.unread_count(inbox)
    mo.accordion(
        {
            f"Message Center — {_unread} unread of {inbox.height}": mo.vstack(
                [
                    mo.hstack([msg_name, msg_process], justify="start"),
                    messages_grid
                    if shown_msgs.height
                    else mo.md("_No process alerts. New events you must certify will be announced here._"),
                    mo.hstack([open_alert, mark_read], justify="start", gap=1),
                ]
            )
        },
        lazy=False,
    )
    return mark_read, messages_grid, open_alert


@app.cell
def _(messages_grid, open_alert, set_note, set_open, set_step, set_unit_sel, set_version, user, ws):
    mo.stop(not open_alert.value)
    _unit = dash.first_value(messages_grid.value, "unit_id")
    if _unit is None:
        set_note(dash.Outcome(False, "open alert: select an alert of one of your units first"))
    else:
        for _id in messages_grid.value["id"].to_list()[:1]:
            set_note(dash.attempt("open alert", ws.mark_read, user.id, int(_id)))
        set_unit_sel(int(_unit)), set_step(1), set_open(None)
    set_version(lambda v: v + 1)
    return


@app.cell
def _(mark_read, messages_grid, set_note, set_version, user, ws):
    mo.stop(not mark_read.value or len(messages_grid.value) == 0)
    _mark = ws.mark_read
    for _id in messages_grid.value["id"].to_list():
        set_note(dash.attempt("mark read", _mark, user.id, int(_id)))
    set_version(lambda v: v + 1)
    return


@app.cell
def _(get_version, now, store, user):
    get_version()
    _schools = {s.code: s.name for s in store.schools()}
    my_events = dash.my_events_frame(store.units_for(user.id, now), _schools)
    _years = sorted({str(y) for y in my_events["year"].drop_nulls().to_list()})
    _first, _last = dash.date_bounds(my_events["Due Date"])
    event_filters = mo.ui.dictionary(
        {
            "event_name": mo.ui.text(label="Filter by Event Name"),
            "school_name": mo.ui.text(label="Filter by School Name"),
            "user_statuses": mo.ui.multiselect(dash.USER_STATUSES, label="Filter User Status"),
            "event_statuses": mo.ui.multiselect(dash.UNIT_STATUSES, label="Filter Event Status"),
            "due_after": mo.ui.date(value=_first, label="Due Date After"),
            "due_before": mo.ui.date(value=_last, label="Due Date Before"),
            "year": mo.ui.dropdown(_years, label="Filter by Year"),
            "active_only": mo.ui.switch(value=True, label="Active Events"),
        }
    )
    return event_filters, my_events


@app.cell
def _(event_filters, get_unit_sel, my_events, set_open, set_step, set_unit_sel):
    _rows = dash.filter_my_events(my_events, dash.EventFilters.from_values(**event_filters.value))
    events_grid = mo.ui.table(
        _rows.select(*dash.MY_EVENTS_COLUMNS, "unit_id"),
        selection="single",
        page_size=25,
        hidden_columns=["unit_id"],
        label="Select an event to open it",
        initial_selection=dash.row_index(_rows, "unit_id", get_unit_sel()),
        on_change=lambda picked: (set_unit_sel(dash.first_value(picked, "unit_id")), set_step(1), set_open(None)),
    )
    mo.vstack(
        [
            mo.md("## Certification Event Details"),
            mo.hstack(
                [
                    event_filters["event_name"],
                    event_filters["school_name"],
                    event_filters["user_statuses"],
                    event_filters["event_statuses"],
                ],
                justify="start",
                wrap=True,
            ),
            mo.hstack(
                [
                    event_filters["due_after"],
                    event_filters["due_before"],
                    event_filters["year"],
                    event_filters["active_only"],
                ],
                justify="start",
                wrap=True,
            ),
            events_grid
            if _rows.height
            else mo.callout(
                mo.md(
                    "No events match. Clear a filter — or, if you have none at all, the state has not published "
                    "an event for your categories yet (you will get a Message Center alert when it does)."
                ),
                kind="neutral",
            ),
            mo.md(f"Items per page: 25 | {dash.page(_rows, 1, 25).caption}"),
        ]
    )
    return


@app.cell
def _(get_unit_sel, now, user, ws):
    unit_id = get_unit_sel()
    mo.stop(unit_id is None, mo.md("_Select an event above to open its certification wizard._"))
    opened = dash.attempt("open the wizard", dash.wizard_for, ws, user.id, unit_id, now)
    mo.stop(not opened.ok, mo.callout(mo.md(opened.message), kind="danger"))
    wiz = opened.value
    return unit_id, wiz


@app.cell
def _(get_step, get_version, now, store, unit_id, user, wiz):
    get_version()
    _view = store.unit_view(user.id, unit_id, now)
    _steps = dash.steps_frame(wiz)
    _strip = [
        f"**{n}** {name} {dash.STEP_MARKS.get(st, '')}"
        if n == get_step()
        else f"{n} {name} {dash.STEP_MARKS.get(st, '')}"
        for n, name, st in zip(_steps["step"], _steps["Validation Type"], _steps["Status"], strict=True)
    ]
    _strip.append("**4** Certify and Submit" if get_step() == 4 else "4 Certify and Submit")
    mo.vstack(
        [
            mo.md(f"## {wiz.event.name}"),
            mo.md(
                f"Unit {unit_id} · district {wiz.unit.district_number}"
                f"{' · school ' + wiz.unit.school_code if wiz.unit.school_code else ''} · you are "
                f"**{_view.role}** · Event Status **{_view.unit.status}** · User Status **{_view.user_status}** · "
                f"round {_view.unit.round} · due {wiz.event.end_date}"
            ),
            mo.md(" → ".join(_strip)),
            mo.md(f"Data Validation Groups: {', '.join(wiz.event.groups)}"),
            mo.callout(
                mo.md(
                    "**Review Data**: your part here is done (or the unit went on, is overdue or the event "
                    "closed); the reports and snapshots below are read-only."
                ),
                kind="info",
            )
            if wiz.reviewing
            else mo.md(""),
            mo.callout(mo.md(dash.submitted_note(wiz.submission)), kind="success") if wiz.submission else mo.md(""),
        ]
    )
    return


@app.cell
def _(get_step, get_version, wiz):
    get_version()
    current_step = get_step()
    _ok, _why = wiz.next_check(current_step)
    nav_buttons = mo.ui.dictionary(
        {
            "previous": mo.ui.run_button(label="Previous", disabled=current_step == 1),
            "cancel": mo.ui.run_button(label="Cancel"),
            "forward": mo.ui.run_button(
                label=wiz.forward_label(current_step), kind="success", disabled=not _ok, tooltip=_why or None
            ),
        }
    )
    _shown = [nav_buttons["previous"], nav_buttons["cancel"]]
    _shown += [nav_buttons["forward"]] if dash.has_forward(current_step) else []
    nav = mo.vstack(
        [
            mo.hstack(_shown, justify="start", gap=1),
            mo.md(f"_{wiz.forward_label(current_step)} is disabled: {_why}_" if _why else ""),
        ]
    )
    return current_step, nav, nav_buttons


@app.cell
def _(current_step, nav_buttons, set_note, set_step, set_unit_sel, set_version, wiz):
    _pressed = [k for k, v in nav_buttons.value.items() if v]
    mo.stop(not _pressed)
    if _pressed[0] == "forward":  # Next, or a reviewer's Close (recorded by the wizard service)
        _fwd = dash.attempt(wiz.forward_label(current_step), wiz.forward, current_step)
        if current_step >= wiz.last_step:
            set_note(_fwd)
        if _fwd.ok:
            set_step(_fwd.value) if _fwd.value else set_unit_sel(None)
        set_version(lambda v: v + 1)
    else:
        {"previous": lambda: set_step(current_step - 1), "cancel": lambda: set_unit_sel(None)}[_pressed[0]]()
    return


@app.function
def report_panel(run, key: str):
    """The report of one run: summary, the HTML report inline, downloads in every format."""
    _downloads = [
        mo.download(
            data=lambda f=f: dash.report_bytes(run, f),
            filename=f"{key}.{f}",
            mimetype=dash.REPORT_MIME[f],
            label=f.upper(),
        )
        for f in dash.REPORT_FORMATS
    ]
    return mo.vstack(
        [
            mo.md(
                f"**{run.title}** · {run.scope_label} · {run.source_label} · "
                f"{'blocking findings' if run.blocking else 'no fatal finding'}"
            ),
            mo.ui.table(dash.run_summary(run), selection=None, show_download=False),
            mo.hstack([mo.md("Download:"), *_downloads], justify="start"),
            mo.accordion({"Report (HTML)": mo.iframe(dash.report_bytes(run, "html").decode(), height="480px")}),
        ]
    )


@app.cell
def _(current_step, wiz):
    mo.stop(current_step != 1)
    district_format = mo.ui.dropdown(dash.REPORT_FORMATS, value="html", label="Format (Required)")
    district_run = mo.ui.run_button(label="Generate Report", kind="success", disabled=wiz.reviewing)
    mo.vstack(
        [
            mo.md("### 1 District Validation — Validate Data in District Database"),
            mo.md(
                "- Run the validation report for the groups listed above\n- Verify the data in the report\n"
                "- Fatal findings must be fixed before moving on to step 2\n- Repeat until the data is correct"
            ),
            mo.hstack([mo.md("Run On: **District data**"), district_format, district_run], justify="start", gap=2),
        ]
    )
    return district_format, district_run


@app.cell
def _(district_run, set_note, set_reports, set_version, unit_id, wiz):
    mo.stop(not district_run.value)
    with mo.status.spinner(title="Validating the district's data…"):
        _out = dash.attempt("district validation", wiz.run_district)
    set_note(_out)
    if _out.ok:
        set_reports(lambda r: {**r, (unit_id, 1): _out.value})
    set_version(lambda v: v + 1)
    return


@app.cell
def _(current_step, get_reports, get_version, nav, unit_id):
    get_version()
    mo.stop(current_step != 1)
    _run = get_reports().get((unit_id, 1))
    mo.vstack(
        [
            report_panel(_run, f"district-{unit_id}")
            if _run
            else mo.md("_Generate the report to validate your data._"),
            nav,
        ]
    )
    return


@app.cell
def _(current_step, get_version, wiz):
    get_version()
    mo.stop(current_step != 2)
    wizard_checks = wiz.checks()
    state_run = mo.ui.run_button(label="Generate Report", kind="success", disabled=wiz.reviewing)
    refresh_jobs = mo.ui.run_button(label="Refresh")
    resync = mo.ui.run_button(
        label="Resync district data to the state",
        kind="warn",
        disabled=not wizard_checks["resync"].allowed,
        tooltip=dash.check_note(wizard_checks["resync"]) or None,
    )
    return refresh_jobs, resync, state_run, wizard_checks


@app.cell
def _(set_note, set_version, state_run, wiz):
    mo.stop(not state_run.value)
    with mo.status.spinner(title="Queueing the state validation…"):
        set_note(dash.attempt("state validation queued", wiz.queue_state_validation))
    set_version(lambda v: v + 1)
    return


@app.cell
def _(refresh_jobs, resync, set_note, set_version, wiz):
    mo.stop(not (refresh_jobs.value or resync.value))
    if resync.value:
        set_note(dash.attempt("resync", wiz.resync))
    else:
        with mo.status.spinner(title="Refreshing: running queued jobs…"):
            set_note(dash.attempt("refresh", dash.refresh_jobs, wiz))
    set_version(lambda v: v + 1)
    return


@app.cell
def _(current_step, get_version, wiz):
    get_version()
    mo.stop(current_step != 2)
    with mo.status.spinner(title="Comparing the district's and the state's data…"):
        compared = dash.attempt("compare", wiz.compare)
    diff_filters = mo.ui.dictionary(
        {
            "table": mo.ui.dropdown(
                ["(all tables)", *sorted(compared.value or {})], value="(all tables)", label="Table"
            ),
            "kinds": mo.ui.multiselect(list(dif.KINDS), label="Difference"),
        }
    )
    return compared, diff_filters


@app.cell
def _(compared, diff_filters, unit_id):
    _table = diff_filters.value["table"]
    diff_lines = dif.difference_lines(
        compared.value or {}, None if _table == "(all tables)" else _table, diff_filters.value["kinds"] or None
    )
    diff_grid = mo.ui.table(
        dif.frame(diff_lines).with_row_index("line"),
        selection="single",
        page_size=25,
        show_download=False,
        hidden_columns=["line"],
        label="Records that differ — select one to see the findings that touch it",
    )
    diff_downloads = [
        mo.download(
            data=lambda f=f: dif.render(diff_lines, f),
            filename=f"differences-{unit_id}.{f}",
            mimetype=dif.MIME[f],
            label=f"Download {f.upper()}",
        )
        for f in dif.FORMATS
    ]
    return diff_downloads, diff_grid, diff_lines


@app.cell
def _(diff_grid, diff_lines, wiz):
    _picked = dash.first_value(diff_grid.value, "line")
    if _picked is None:
        record_findings = mo.md("")
    else:
        _line = diff_lines[int(_picked)]
        _found = wiz.findings_for(_line)
        record_findings = mo.vstack(
            [
                mo.md(f"**{_line.table} · {_line.record}** — {len(_found)} finding(s) of your latest state report"),
                mo.ui.table(
                    [{"rule": f["rule_id"], "severity": f["severity"], "title": f["title"]} for f in _found],
                    selection=None,
                    show_download=False,
                )
                if _found
                else mo.md("_No finding of your latest state validation report names this record._"),
            ]
        )
    return (record_findings,)


@app.cell
def _(
    compared,
    current_step,
    diff_downloads,
    diff_filters,
    diff_grid,
    diff_lines,
    get_open,
    get_version,
    nav,
    record_findings,
    refresh_jobs,
    resync,
    set_open,
    state_run,
    unit_id,
    wiz,
    wizard_checks,
):
    get_version()
    mo.stop(current_step != 2)
    _jobs, _jobs_grid = dash.results_grid(wiz, dash.JobKind.STATE_VALIDATION, lambda job: set_open((unit_id, job)))
    _cmp = compared
    mo.vstack(
        [
            mo.md("### 2 State Validation — Validate Data in State Database"),
            mo.md(
                "- Run the validation report on the state's copy (a queued job)\n- Open the report when it is "
                "COMPLETED; you must view it before Next\n- If it does not match step 1, resync your data\n"
                "- Fatal findings must be fixed before step 3"
            ),
            mo.hstack([mo.md("Run On: **State (Batch Queue)**"), state_run, refresh_jobs], justify="start", gap=2),
            _jobs_grid if _jobs.height else mo.md("_No report yet: Generate Report queues one._"),
            mo.md(f"{_jobs.height} items"),
            mo.accordion(
                {
                    "Compare district and state data": mo.vstack(
                        [
                            mo.ui.table(dash.compare_frame(_cmp.value), selection=None, show_download=False)
                            if _cmp.ok
                            else mo.md(_cmp.message),
                            mo.md("#### Which records differ"),
                            mo.hstack(
                                [diff_filters["table"], diff_filters["kinds"], *diff_downloads], justify="start", gap=1
                            ),
                            diff_grid if diff_lines else mo.md("_The state's copy holds the same records as yours._"),
                            mo.md(f"{len(diff_lines)} items"),
                            record_findings,
                            resync,
                            mo.md(f"_Resync is disabled: {dash.check_note(wizard_checks['resync'])}_")
                            if not wizard_checks["resync"].allowed
                            else mo.md(""),
                        ]
                    )
                }
            ),
            nav,
        ]
    )
    return


@app.cell
def _(get_open, set_note, set_reports, set_version, unit_id, wiz):
    _open = get_open()
    mo.stop(_open is None or _open[0] != unit_id or _open[1] is None)
    _job = dash.attempt(f"open report {_open[1]}", wiz.open_report, int(_open[1]))
    set_note(_job)
    if _job.ok:
        _rep = dash.opened(_job.value)
        set_reports(lambda r: {**r, (unit_id, _rep.kind): _rep})
    set_version(lambda v: v + 1)
    return


@app.cell
def _(current_step, get_reports, get_version, unit_id):
    get_version()
    mo.stop(current_step not in (2, 3))
    _kind = dash.STEP_JOB_KIND[current_step]
    _rep = get_reports().get((unit_id, _kind))
    mo.stop(_rep is None)
    _files = dash.opened_files(_rep)
    mo.vstack(
        [
            mo.md(f"#### {_rep.title} · {_rep.status}" + (f" · SHA-256 `{_rep.sha256}`" if _rep.sha256 else "")),
            mo.hstack(
                [
                    mo.md("Download:"),
                    *[
                        mo.download(
                            data=b, filename=f"{_kind}-{unit_id}.{f}", mimetype=dash.REPORT_MIME[f], label=f.upper()
                        )
                        for f, b in _files.items()
                    ],
                ],
                justify="start",
            ),
            mo.accordion({"Report (HTML)": mo.iframe(_files["html"].decode(), height="480px")})
            if "html" in _files
            else mo.md(""),
        ]
    )
    return


@app.cell
def _(current_step, get_version, wiz):
    get_version()
    mo.stop(current_step != 3)
    take_snapshot = mo.ui.run_button(label="Take / Retake State Snapshot", kind="success", disabled=wiz.reviewing)
    refresh_snaps = mo.ui.run_button(label="Refresh")
    state_snapshot_job, state_snapshot_note = wiz.latest_snapshot_job()
    review_state_snapshot = mo.ui.run_button(
        label="Review State Snapshot", disabled=state_snapshot_job is None, tooltip=state_snapshot_note
    )
    return refresh_snaps, review_state_snapshot, state_snapshot_job, state_snapshot_note, take_snapshot


@app.cell
def _(review_state_snapshot, set_open, state_snapshot_job, unit_id):
    mo.stop(not review_state_snapshot.value or state_snapshot_job is None)
    set_open((unit_id, state_snapshot_job.id))  # opened like a selected row: reviewed, its report shown
    return


@app.cell
def _(refresh_snaps, set_note, set_version, take_snapshot, wiz):
    mo.stop(not (take_snapshot.value or refresh_snaps.value))
    if take_snapshot.value:
        with mo.status.spinner(title="Queueing the snapshot…"):
            set_note(dash.attempt("snapshot taken", wiz.take_snapshot))
    else:
        with mo.status.spinner(title="Refreshing: running queued jobs…"):
            set_note(dash.attempt("refresh", dash.refresh_jobs, wiz))
    set_version(lambda v: v + 1)
    return


@app.cell
def _(
    current_step,
    get_version,
    nav,
    refresh_snaps,
    review_state_snapshot,
    set_open,
    state_snapshot_note,
    take_snapshot,
    unit_id,
    wiz,
):
    get_version()
    mo.stop(current_step != 3)
    _snaps, _grid = dash.results_grid(wiz, dash.JobKind.SNAPSHOT, lambda job: set_open((unit_id, job)))
    mo.vstack(
        [
            mo.md("### 3 Snapshot Validation"),
            mo.md(
                "- Take (or retake) the state snapshot for your unit\n- Review it when COMPLETED\n"
                "- Retakes are versions; the one you reviewed is the one you certify"
            ),
            mo.hstack([review_state_snapshot, take_snapshot, refresh_snaps], justify="start", gap=2),
            mo.md(f"_Review State Snapshot: {state_snapshot_note}_"),
            _grid if _snaps.height else mo.md("_No snapshot yet: take one._"),
            mo.ui.table(dash.snapshot_diff(wiz), selection=None, show_download=False)
            if _snaps.height > 1
            else mo.md(""),
            nav,
        ]
    )
    return


@app.cell
def _(current_step, get_version, nav, wiz):
    get_version()
    mo.stop(current_step != 4)
    _checks = wiz.checks()
    submit = mo.ui.run_button(
        label="Submit Certification to State",
        kind="success",
        disabled=not _checks["submit"].allowed,
        tooltip=dash.check_note(_checks["submit"]) or None,
    )
    acknowledge = mo.ui.run_button(label="Acknowledge warnings", disabled=wiz.submission is not None)
    mo.vstack(
        [
            mo.md("### 4 Certify and Submit to State"),
            mo.md("Verify that every validation shows COMPLETED, acknowledge any warnings, then submit."),
            mo.ui.table(dash.steps_frame(wiz, with_submit=True).drop("step"), selection=None, show_download=False),
            mo.hstack([acknowledge, submit], justify="start", gap=1),
            mo.md(f"_Submit is disabled: {dash.check_note(_checks['submit'])}_")
            if not _checks["submit"].allowed
            else mo.md(""),
            nav,
        ]
    )
    return acknowledge, submit


@app.cell
def _(current_step, user, wiz, ws):
    mo.stop(current_step != 4 or wiz.submission is not None or not wiz.is_certifier)
    attest_title = mo.ui.text(label="Your title (recorded with your attestation)", full_width=True)
    mo.vstack([mo.md("#### Attestation"), mo.md(hist.attestation_md(ws, user.id)), attest_title])
    return (attest_title,)


@app.cell
def _(acknowledge, attest_title, set_note, set_version, submit, wiz):
    mo.stop(not (acknowledge.value or submit.value))
    if acknowledge.value:
        set_note(dash.attempt("acknowledge warnings", wiz.acknowledge_warnings))
    else:
        set_note(dash.attempt("Submit Certification to State", wiz.submit, attest_title.value or None))
    set_version(lambda v: v + 1)
    return


@app.cell
def _(get_version, unit_id, wiz):
    get_version()
    _check = wiz.checks().get("request_recert_district")
    recert_reason = mo.ui.text_area(label="Reason (required)", full_width=True)
    recert = mo.ui.run_button(
        label="Request Recertification from State",
        kind="warn",
        disabled=_check is None or not _check.allowed,
        tooltip=dash.check_note(_check) or None,
    )
    mo.accordion(
        {
            "Request recertification": mo.vstack(
                [
                    mo.md("If something shows the certified data must change, ask the state to reopen this unit."),
                    recert_reason,
                    recert,
                    mo.md(f"_{dash.check_note(_check)}_"),
                ]
            )
        }
    )
    return recert, recert_reason


@app.cell
def _(recert, recert_reason, set_note, set_version, wiz):
    mo.stop(not recert.value)
    set_note(dash.attempt("request recertification", wiz.request_recert, recert_reason.value))
    set_version(lambda v: v + 1)
    return


@app.cell
def _():
    get_finding_result, set_finding_result = mo.state(None)
    return get_finding_result, set_finding_result


@app.cell
def _(get_version, now, unit_id, user, wiz, ws):
    get_version()
    _rows, _line = hist.findings_rows(wiz)
    _exc = hist.exception_rows(ws, user.id, now, unit_id)
    _open = hist.open_findings(_rows)
    findings_table = (
        mo.ui.table(
            _open,
            selection="multi",
            page_size=10,
            label="Findings of your latest runs — select some to ask the state for an exception or to note them",
        )
        if _open
        else None
    )
    finding_text = mo.ui.text(label="Reason / note", full_width=True)
    finding_buttons = mo.ui.dictionary(
        {
            "request": mo.ui.run_button(label="Ask the state for an exception", kind="warn"),
            "note": mo.ui.run_button(label="Add a note"),
        }
    )
    mo.vstack(
        [
            mo.md("#### Findings since the previous run"),
            mo.md(_line or "_No run of this unit yet: generate a report in step 1 or 2._"),
            *(
                [
                    findings_table,
                    finding_text,
                    mo.hstack(list(finding_buttons.elements.values()), justify="start", gap=1),
                ]
                if findings_table is not None
                else []
            ),
            mo.ui.table(_exc, selection=None, label="Exceptions of this unit") if _exc else mo.md(""),
        ]
    )
    return finding_buttons, finding_text, findings_table


@app.cell
def _(finding_buttons, finding_text, findings_table, now, set_finding_result, set_version, unit_id, user, ws):
    _clicked = [a for a, v in finding_buttons.value.items() if v]
    mo.stop(not _clicked or findings_table is None)
    set_finding_result(
        hist.ask_or_note(ws, user.id, unit_id, findings_table.value or [], _clicked[0], finding_text.value, now)
    )
    set_version(lambda v: v + 1)
    return


@app.cell
def _(get_finding_result):
    mo.stop(get_finding_result() is None)
    mo.callout(mo.md(get_finding_result().message), kind=get_finding_result().callout_kind())
    return


@app.cell
def _(get_version, now, unit_id, user, ws):
    get_version()
    _rows = hist.timeline_rows(ws, user.id, unit_id, now)
    mo.accordion(
        {
            f"Timeline of this unit ({len(_rows)} entries)": mo.ui.table(
                _rows, selection=None, page_size=15, label="Who did what, when"
            )
        }
    )
    return


if __name__ == "__main__":
    app.run()
