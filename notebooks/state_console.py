import marimo

__generated_with = "0.25.2"
app = marimo.App(width="full", app_title="certlib · state console")

with app.setup:
    import marimo as mo

    from certlib.apps import history as hist
    from certlib.apps import session
    from certlib.apps import state_console as dash


@app.cell
def _():
    mo.vstack(
        [
            mo.md("# State console"),
            mo.md(
                "Categories and members, certification events (create, edit, publish, copy, extend, "
                "close), and each unit's certification: approve, send back for recertification, accept "
                "or deny a district's request. [← all apps](?file=home.py)"
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
    get_event_sel, set_event_sel = mo.state(None)
    get_unit_sel, set_unit_sel = mo.state(None)
    get_note, set_note = mo.state(None)
    return (
        get_event_sel,
        get_note,
        get_unit_sel,
        get_version,
        set_event_sel,
        set_note,
        set_unit_sel,
        set_version,
        store,
        ws,
    )


@app.cell
def _(store):
    who = session.picker(store.users(), levels=("state",))
    who
    return (who,)


@app.cell
def _(store, who, ws):
    _me = session.sign_in(who, store, app="state_console")
    mo.stop(_me.user is None, mo.callout(mo.md(_me.stop_message), kind=_me.stop_kind))
    user, now = _me.user, dash.now_for(ws)
    mo.md(f"{_me.banner} · today is **{now:%Y-%m-%d}**")
    return now, user


@app.cell
def _(get_version, store, user):
    from certlib.domain.members import MEMBER_ACTIONS, member_refusal

    get_version()
    mo.stop(user is None)
    members = dash.members_frame(store.users(), store.memberships())
    categories = dash.views_frame({"id": c.id, "name": c.name} for c in store.categories())
    member_form = mo.ui.dictionary(
        {
            "category": mo.ui.dropdown([c.id for c in store.categories()], label="Category"),
            "user": mo.ui.dropdown(sorted(u.id for u in store.users()), label="User"),
            "role": mo.ui.dropdown(["certifier", "reviewer", "approver"], value="reviewer", label="Role"),
            "primary": mo.ui.checkbox(label="Primary certifier"),
            "schools": mo.ui.text(label="Schools (comma-separated; empty: whole district)"),
        }
    )
    _why = {a.action: member_refusal(a.action, user) for a in MEMBER_ACTIONS}
    member_buttons = mo.ui.dictionary(
        {
            a.action: mo.ui.run_button(
                label=f"{a.label[0].upper()}{a.label[1:]}",
                disabled=_why[a.action] is not None,
                tooltip=_why[a.action] or None,
                kind="danger" if a.action == "remove" else "neutral",
            )
            for a in MEMBER_ACTIONS
        }
    )
    mo.accordion(
        {
            f"Categories ({categories.height}) and members ({members.height})": mo.vstack(
                [
                    mo.hstack(
                        [
                            mo.ui.table(categories, selection=None, label="Categories"),
                            mo.ui.table(members, selection=None, label="Members", page_size=10),
                        ],
                        widths=[1, 3],
                    ),
                    mo.md("#### Keep a category current"),
                    mo.hstack(list(member_form.elements.values()), justify="start", wrap=True),
                    mo.hstack(list(member_buttons.elements.values()), justify="start", gap=1),
                    mo.md("\n".join(f"- _{w}_" for w in dict.fromkeys(v for v in _why.values() if v))),
                ]
            )
        }
    )
    return member_buttons, member_form


@app.cell
def _(member_buttons, member_form, now, set_note, set_version, store, user):
    from certlib.domain.entities import Membership

    _clicked = [a for a, v in member_buttons.value.items() if v]
    mo.stop(not _clicked)
    _f = member_form.value
    _schools = tuple(x.strip() for x in (_f["schools"] or "").split(",") if x.strip())
    _calls = {
        "add": lambda: store.add_member(
            user.id, Membership(_f["user"], _f["category"], _f["role"], _f["primary"], _schools), now
        ),
        "change": lambda: store.change_member(
            user.id, _f["user"], _f["category"], now, role=_f["role"], primary=_f["primary"], schools=_schools
        ),
        "remove": lambda: store.remove_member(user.id, _f["user"], _f["category"], now),
    }
    set_note(dash.attempt(f"{_clicked[0]} member {_f['user']} in {_f['category']}", _calls[_clicked[0]]))
    set_version(lambda v: v + 1)
    return


@app.cell
def _(get_note):
    _note = get_note()
    mo.callout(mo.md(_note.message), kind=_note.callout_kind()) if _note is not None else None
    return


@app.cell
def _(get_event_sel, get_version, now, set_event_sel, store, user):
    get_version()
    event_rows = dash.views_frame(store.events_for(user.id, now))
    events_grid = (
        mo.ui.table(
            event_rows,
            selection="single",
            page_size=10,
            label="Events — select one to act on it",
            format_mapping=dash.identifier_format(event_rows),
            initial_selection=dash.row_index(event_rows, "id", get_event_sel()),
            on_change=lambda picked: set_event_sel(dash.first_value(picked, "id")),
        )
        if event_rows.height
        else None
    )
    mo.vstack(
        [
            mo.md("## Certification events"),
            events_grid
            if events_grid is not None
            else mo.callout(mo.md("No events yet. Create one with the form below, then publish it."), kind="info"),
        ]
    )
    return (events_grid,)


@app.cell
def _(store, user, ws):
    mo.stop(user is None)
    _cats = {f"{c.name} ({c.id})": c.id for c in store.categories()}
    create_form = mo.ui.dictionary(
        {
            "name": mo.ui.text(label="Event name", full_width=True),
            "reporting_year": mo.ui.number(start=2000, stop=2100, value=2025, label="Reporting year"),
            "category_id": mo.ui.dropdown(_cats, label="Category"),
            "level": mo.ui.dropdown(["district", "school"], value="district", label="Level"),
            "groups": mo.ui.multiselect(dash.group_names(ws), label="Validation groups"),
            "start_date": mo.ui.date(label="Start date"),
            "certification_opens": mo.ui.date(label="Certification opens"),
            "end_date": mo.ui.date(label="Due date (end)"),
        }
    ).form(submit_button_label="Create event (unpublished)", bordered=True)
    mo.accordion({"Create a new event": create_form})
    return (create_form,)


@app.cell
def _(create_form, now, set_event_sel, set_note, set_version, store, user):
    mo.stop(create_form.value is None)
    created = dash.attempt("create event", store.create_event, user.id, now, **create_form.value)
    set_note(created)
    set_event_sel(getattr(created.value, "id", None))
    set_version(lambda v: v + 1)
    return


@app.cell
def _(events_grid, get_event_sel, get_version, now, store, user):
    get_version()
    event_id = get_event_sel()
    mo.stop(
        events_grid is None or event_id is None,
        mo.md("_Select an event above to edit, publish, copy, extend, close or delete it, and to see its units._"),
    )
    event = store.event(event_id, user.id)
    event_checks = dash.checks_by_action(store.allowed_event_actions(user.id, event_id, now))
    event_buttons = mo.ui.dictionary(
        {
            a: mo.ui.run_button(
                label=a.capitalize(),
                disabled=not event_checks[a].allowed,
                tooltip=dash.check_note(event_checks[a]) or None,
                kind="danger" if a in ("close", "delete") else "neutral",
            )
            for a in ("publish", "copy", "close", "delete")
            if a in event_checks
        }
    )
    new_end = mo.ui.date(value=event.end_date, label="New due date")
    extend_button = mo.ui.run_button(
        label="Extend",
        disabled=not event_checks["extend"].allowed,
        tooltip=dash.check_note(event_checks["extend"]) or None,
    )
    edit_form = mo.ui.dictionary(
        {
            "name": mo.ui.text(value=event.name, label="Event name"),
            "start_date": mo.ui.date(value=event.start_date, label="Start date"),
            "certification_opens": mo.ui.date(value=event.certification_opens, label="Certification opens"),
            "end_date": mo.ui.date(value=event.end_date, label="Due date"),
        }
    ).form(
        submit_button_label="Save changes",
        submit_button_disabled=not event_checks["edit"].allowed,
        submit_button_tooltip=dash.check_note(event_checks["edit"]) or None,
    )
    notes = [f"- **{a}**: {dash.check_note(c)}" for a, c in event_checks.items() if dash.check_note(c)]
    mo.vstack(
        [
            mo.md(f"### {event.name} · event {event.id} · **{event.status}** · due {event.end_date}"),
            mo.hstack([*event_buttons.elements.values(), new_end, extend_button], justify="start", gap=1),
            mo.accordion(
                {
                    "Why some actions are disabled": mo.md("\n".join(notes) or "All actions are allowed."),
                    "Edit details": edit_form,
                }
            ),
        ]
    )
    return edit_form, event, event_buttons, event_id, extend_button, new_end


@app.cell
def _(edit_form, event_buttons, event_id, extend_button, new_end, now, set_note, set_version, store, user):
    _actions = {
        "publish": lambda: store.publish_event(user.id, event_id, now),
        "copy": lambda: store.copy_event(user.id, event_id, now),
        "close": lambda: store.close_event(user.id, event_id, now),
        "delete": lambda: store.delete_event(user.id, event_id, now),
        "extend": lambda: store.extend_event(user.id, event_id, new_end.value, now),
        "edit": lambda: store.edit_event(user.id, event_id, now, **(edit_form.value or {})),
    }
    _clicked = [a for a, v in event_buttons.value.items() if v]
    _clicked += ["extend"] if extend_button.value else []
    _clicked += ["edit"] if edit_form.value is not None else []
    mo.stop(not _clicked)
    set_note(dash.attempt(f"{_clicked[0]} event {event_id}", _actions[_clicked[0]]))
    set_version(lambda v: v + 1)
    return


@app.cell
def _(event_id, get_unit_sel, get_version, now, set_unit_sel, store, user):
    get_version()
    unit_rows = dash.views_frame(store.units_for(user.id, now, event_id))
    units_grid = (
        mo.ui.table(
            unit_rows,
            selection="single",
            page_size=15,
            label="Units of the event — select one to approve or send back",
            format_mapping=dash.identifier_format(unit_rows),
            initial_selection=dash.row_index(unit_rows, "unit_id", get_unit_sel()),
            on_change=lambda picked: set_unit_sel(dash.first_value(picked, "unit_id")),
        )
        if unit_rows.height
        else None
    )
    mo.vstack(
        [
            mo.md("## Units"),
            units_grid
            if units_grid is not None
            else mo.callout(
                mo.md("This event has no units yet: publish it to create one per district/school in scope."),
                kind="info",
            ),
        ]
    )
    return (units_grid,)


@app.cell
def _(get_unit_sel, units_grid):
    # the inputs live in their own cell, so the buttons below are re-checked as the reason is typed
    mo.stop(units_grid is None or get_unit_sel() is None)
    unit_reason = mo.ui.text_area(label="Reason (required to send back or deny)", full_width=True)
    unit_due = mo.ui.text(
        label="New due date for this unit (YYYY-MM-DD; empty: 14 days from today when the "
        "recertification starts after the due date)",
        full_width=True,
    )
    return unit_due, unit_reason


@app.cell
def _(get_unit_sel, get_version, now, store, unit_due, unit_reason, units_grid, user, ws):
    get_version()
    unit_id = get_unit_sel()
    mo.stop(
        units_grid is None or unit_id is None,
        mo.md("_Select a unit to approve it, request recertification, or answer a district's request._"),
    )
    unit_checks = {
        a: dash.with_input(c, unit_reason.value)
        for a, c in dash.checks_by_action(store.allowed_actions(user.id, unit_id, now)).items()
    }
    _labels = {
        "approve": "Approve",
        "request_recert_state": "Request recertification",
        "accept_request": "Accept request",
        "deny_request": "Deny request",
    }
    unit_buttons = mo.ui.dictionary(
        {
            a: mo.ui.run_button(
                label=label,
                disabled=not unit_checks[a].allowed,
                tooltip=dash.check_note(unit_checks[a]) or None,
                kind="success" if a == "approve" else "warn",
            )
            for a, label in _labels.items()
            if a in unit_checks
        }
    )
    _notes = [
        f"- **{_labels[a]}**: {dash.check_note(unit_checks[a])}"
        for a in _labels
        if a in unit_checks and dash.check_note(unit_checks[a])
    ]
    _subs = ws.submission_evidence(unit_id)
    mo.vstack(
        [
            mo.md(f"### Unit {unit_id}"),
            unit_reason,
            unit_due,
            mo.hstack(list(unit_buttons.elements.values()), justify="start", gap=1),
            mo.md("\n".join(_notes)) if _notes else mo.md(""),
            mo.md("#### What the submissions of this round rest on"),
            *[mo.callout(mo.md(_text), kind=_kind) for _text, _kind in dash.submission_alerts(_subs)],
            mo.ui.table(
                _subs, selection=None, label="Submissions: pinned snapshot, files verified now, runs each step cites"
            )
            if _subs
            else mo.md("_No submission in this round yet._"),
        ]
    )
    return unit_buttons, unit_id


@app.cell
def _(now, set_note, set_version, unit_buttons, unit_due, unit_id, unit_reason, user, ws):
    from certlib.services.events import parse_due_date

    _clicked = [a for a, v in unit_buttons.value.items() if v]
    mo.stop(not _clicked)
    _due = dash.attempt("due date", parse_due_date, unit_due.value)
    set_note(
        _due
        if not _due.ok
        else dash.attempt(
            f"{_clicked[0]} unit {unit_id}",
            ws.transition,
            _clicked[0],
            user.id,
            unit_id,
            now,
            unit_reason.value or None,
            due_date=_due.value,
        )
    )
    set_version(lambda v: v + 1)
    return


@app.cell
def _(event, event_id, get_version, now, user, ws):
    get_version()
    with mo.status.spinner(title="Building the event report…"):
        _frames = dash.for_event(dash.frames_from_workspace(ws, now.date(), user), event_id)
        report = dash.event_report(_frames.units, _frames.users, now.date())
    _html = dash.report_html(report, f"{event.name} — event report", f"as of {now:%Y-%m-%d}")
    mo.vstack(
        [
            mo.md(f"## Event report · {report.height} units"),
            mo.hstack(
                [
                    mo.download(
                        data=_html.encode(),
                        filename=f"event-{event_id}-report.html",
                        mimetype="text/html",
                        label="Download HTML",
                    ),
                    mo.download(
                        data=lambda: dash.to_xlsx_bytes(report, "event report"),
                        filename=f"event-{event_id}-report.xlsx",
                        label="Download XLSX",
                    ),
                ],
                justify="start",
            ),
            mo.ui.table(dash.as_identifiers(report), selection=None, page_size=15)
            if report.height
            else mo.callout(mo.md("No units to report on yet: publish the event first."), kind="neutral"),
        ]
    )
    return


@app.cell
def _():
    get_bulk_result, set_bulk_result = mo.state(None)
    get_exc_result, set_exc_result = mo.state(None)
    return get_bulk_result, get_exc_result, set_bulk_result, set_exc_result


@app.cell
def _(event_id, get_version, now, user, ws):
    get_version()
    _rows = hist.bulk_unit_rows(ws, user.id, now, event_id)
    mo.stop(not _rows)
    bulk_table = mo.ui.table(
        _rows,
        selection="multi",
        page_size=15,
        format_mapping=dash.identifier_format(_rows),
        label="Select units, then approve them or send them back, each on its own",
    )
    bulk_reason = mo.ui.text(label="Reason (required to send back)", full_width=True)
    bulk_buttons = mo.ui.dictionary(
        {
            "approve": mo.ui.run_button(label="Approve selected", kind="success"),
            "request_recert": mo.ui.run_button(label="Request recertification for selected", kind="warn"),
        }
    )
    mo.vstack(
        [
            mo.md("## Bulk actions"),
            bulk_table,
            bulk_reason,
            mo.hstack(list(bulk_buttons.elements.values()), justify="start", gap=1),
        ]
    )
    return bulk_buttons, bulk_reason, bulk_table


@app.cell
def _(bulk_buttons, bulk_reason, bulk_table, now, set_bulk_result, set_version, user, ws):
    _clicked = [a for a, v in bulk_buttons.value.items() if v]
    mo.stop(not _clicked)
    set_bulk_result(hist.bulk(ws, user.id, _clicked[0], bulk_table.value, bulk_reason.value, now))
    set_version(lambda v: v + 1)
    return


@app.cell
def _(get_bulk_result):
    mo.stop(get_bulk_result() is None)
    _line, _rows = get_bulk_result()
    mo.vstack(
        [
            mo.callout(mo.md(_line), kind="success" if all(r["result"] == "accepted" for r in _rows) else "warn"),
            mo.ui.table(
                _rows,
                selection=None,
                label="Per unit: accepted, or refused and why",
                format_mapping=dash.identifier_format(_rows),
            ),
        ]
    )
    return


@app.cell
def _(get_version, now, user, ws):
    get_version()
    _pending = hist.exception_rows(ws, user.id, now, status="requested")
    exc_table = (
        mo.ui.table(
            _pending,
            selection="single",
            label="Exception requests waiting for the state — select one to decide",
        )
        if _pending
        else None
    )
    exc_reason = mo.ui.text(label="Reason (required)", full_width=True)
    exc_expires = mo.ui.text(label="Expires on (optional, YYYY-MM-DD)", placeholder="2025-08-31")
    exc_buttons = mo.ui.dictionary(
        {
            "approve": mo.ui.run_button(label="Approve exception", kind="success"),
            "reject": mo.ui.run_button(label="Reject exception", kind="danger"),
        }
    )
    mo.vstack(
        [
            mo.md(f"## Exception requests ({len(_pending)} pending)"),
            exc_table if exc_table is not None else mo.md("_No exception request is waiting._"),
            *(
                [exc_reason, exc_expires, mo.hstack(list(exc_buttons.elements.values()), justify="start", gap=1)]
                if exc_table is not None
                else []
            ),
        ]
    )
    return exc_buttons, exc_expires, exc_reason, exc_table


@app.cell
def _(exc_buttons, exc_expires, exc_reason, exc_table, now, set_exc_result, set_version, user, ws):
    _clicked = [a for a, v in exc_buttons.value.items() if v]
    mo.stop(not _clicked or exc_table is None)
    set_exc_result(hist.decide(ws, user.id, exc_table.value, _clicked[0], exc_reason.value, exc_expires.value, now))
    set_version(lambda v: v + 1)
    return


@app.cell
def _(get_exc_result):
    mo.stop(get_exc_result() is None)
    mo.callout(mo.md(get_exc_result().message), kind=get_exc_result().callout_kind())
    return


@app.cell
def _(get_unit_sel, get_version, now, units_grid, user, ws):
    get_version()
    _unit = get_unit_sel()
    mo.stop(units_grid is None or _unit is None)
    _subs = ws.store.submissions(_unit, ws.unit(_unit).round)
    mo.vstack(
        [
            mo.md(f"## Timeline of unit {_unit}"),
            mo.ui.table(
                hist.timeline_rows(ws, user.id, _unit, now), selection=None, page_size=20, label="Who did what, when"
            ),
            mo.download(
                data=lambda: ws.certificate(user.id, _unit, now).encode(),
                filename=f"certificate-unit{_unit}.html",
                mimetype="text/html",
                label="Download the certificate (HTML)",
            )
            if _subs
            else mo.md("_No submission in this round yet: no certificate._"),
        ]
    )
    return


if __name__ == "__main__":
    app.run()
