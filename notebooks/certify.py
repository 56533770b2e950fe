import marimo

__generated_with = "0.25.2"
app = marimo.App(width="full", app_title="certlib · certify")

with app.setup:
    import marimo as mo

    from certlib import dashboard as dash
    from certlib import identity


@app.cell
def _():
    mo.vstack([
        mo.md("# Certify your data"),
        mo.md("Your Message Center, the certification events you review or certify, and the four-step "
              "wizard: District Validation → State Validation → Snapshot Validation → Certify and Submit. "
              "[← all apps](?file=home.py)"),
    ])
    return


@app.cell
def _():
    ws, ws_problem = identity.open_workspace()
    mo.stop(ws is None, mo.callout(mo.md(f"**No workspace yet.** {ws_problem}"), kind="warn"))
    store = dash.store_of(ws)
    get_version, set_version = mo.state(0)
    get_unit_sel, set_unit_sel = mo.state(None)
    get_note, set_note = mo.state(None)
    return get_note, get_unit_sel, get_version, set_note, set_unit_sel, set_version, store, ws


@app.cell
def _(store):
    who = identity.picker(store.users(), levels=("district", "school"))
    who
    return (who,)


@app.cell
def _(store, who, ws):
    ident = identity.signed_in(who)
    mo.stop(not ident.signed_in, mo.callout(mo.md(ident.banner()), kind="warn"))
    me = dash.attempt("sign in", store.user, ident.user_id)
    mo.stop(not me.ok, mo.callout(mo.md(f"{ident.banner()}: {me.message}"), kind="danger"))
    user = me.value
    now = dash.now_for(ws)
    mo.md(f"{ident.banner(user.name)} · today is **{now:%Y-%m-%d}**")
    return now, user


@app.cell
def _(get_note):
    _note = get_note()
    mo.callout(mo.md(_note.message), kind=_note.callout_kind()) if _note is not None else None
    return


@app.cell
def _(get_version, user, ws):
    get_version()
    inbox = dash.messages_frame(dash.facade(ws, "messages")(user.id))
    msg_name = mo.ui.text(label="Name")
    msg_process = mo.ui.dropdown(["All Processes", *sorted(set(inbox["Process"].to_list()))],
                                 value="All Processes", label="Process")
    return inbox, msg_name, msg_process


@app.cell
def _(inbox, msg_name, msg_process):
    shown_msgs = dash.filter_messages(inbox, msg_name.value, msg_process.value)
    messages_grid = mo.ui.table(shown_msgs, selection="multi", page_size=5, show_download=False,
                                hidden_columns=["id", "unit_id"], label="Process Alerts")
    mark_read = mo.ui.run_button(label="Mark selected as read")
    _unread = int((~inbox["Read"]).sum()) if inbox.height else 0
    mo.accordion({
        f"Message Center — {_unread} unread of {inbox.height}": mo.vstack([
            mo.hstack([msg_name, msg_process], justify="start"),
            messages_grid if shown_msgs.height else mo.md("_No process alerts. New events you must "
                                                          "certify will be announced here._"),
            mark_read,
        ])
    }, lazy=False)
    return mark_read, messages_grid


@app.cell
def _(mark_read, messages_grid, set_note, set_version, user, ws):
    mo.stop(not mark_read.value or len(messages_grid.value) == 0)
    _mark = dash.facade(ws, "mark_read")
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
    event_filters = mo.ui.dictionary({
        "event_name": mo.ui.text(label="Filter by Event Name"),
        "school_name": mo.ui.text(label="Filter by School Name"),
        "user_statuses": mo.ui.multiselect(dash.USER_STATUSES, label="Filter User Status"),
        "event_statuses": mo.ui.multiselect(dash.UNIT_STATUSES, label="Filter Event Status"),
        "due_after": mo.ui.date(value=_first, label="Due Date After"),
        "due_before": mo.ui.date(value=_last, label="Due Date Before"),
        "year": mo.ui.dropdown(_years, label="Filter by Year"),
        "active_only": mo.ui.switch(value=True, label="Active Events"),
    })
    return event_filters, my_events


@app.cell
def _(event_filters, get_unit_sel, my_events, set_unit_sel):
    _rows = dash.filter_my_events(my_events, dash.EventFilters.from_values(**event_filters.value))
    events_grid = mo.ui.table(
        _rows.select(*dash.MY_EVENTS_COLUMNS, "unit_id"), selection="single", page_size=25,
        hidden_columns=["unit_id"], label="Select an event to open it",
        initial_selection=dash.row_index(_rows, "unit_id", get_unit_sel()),
        on_change=lambda picked: set_unit_sel(dash.first_value(picked, "unit_id")),
    )
    mo.vstack([
        mo.md("## Certification Event Details"),
        mo.hstack([event_filters["event_name"], event_filters["school_name"], event_filters["user_statuses"],
                   event_filters["event_statuses"]], justify="start", wrap=True),
        mo.hstack([event_filters["due_after"], event_filters["due_before"], event_filters["year"],
                   event_filters["active_only"]], justify="start", wrap=True),
        events_grid if _rows.height else mo.callout(mo.md(
            "No events match. Clear a filter — or, if you have none at all, the state has not published "
            "an event for your categories yet (you will get a Message Center alert when it does)."),
            kind="neutral"),
        mo.md(f"Items per page: 25 | {dash.page(_rows, 1, 25).caption}"),
    ])
    return


if __name__ == "__main__":
    app.run()
