import marimo

__generated_with = "0.25.2"
app = marimo.App(width="full", app_title="certlib · analyst dashboard")

with app.setup:
    import marimo as mo

    from certlib.apps import charts, session
    from certlib.apps import dashboard as dash
    from certlib.apps import history as hist


@app.cell
def _():
    mo.vstack(
        [
            mo.md("# Analyst dashboard"),
            mo.md(
                "How far along is every district and school, who is overdue, which rules fail where. "
                "This app only reads: nothing here changes a certification. [← all apps](?file=home.py)"
            ),
            mo.md(session.deployment_note()),
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
    _me = session.sign_in(who, ws, app="dashboard")
    mo.stop(_me.user is None, mo.callout(mo.md(_me.stop_message), kind=_me.stop_kind))
    user = _me.user
    with mo.status.spinner(title="Reading the workspace…"):
        today = dash.today_for(ws)
        frames = dash.frames_from_workspace(ws, today, user)
    mo.md(f"{_me.banner} · showing **{_me.scope.describe()}** · today is **{today:%Y-%m-%d}**")
    return frames, today, user


@app.cell
def _(frames):
    mo.stop(
        frames.units.height == 0,
        mo.callout(
            mo.md(
                "**No published events yet.** Publish an event in the "
                "[state console](?file=state_console.py); its units will show here."
            ),
            kind="info",
        ),
    )
    event_pick = mo.ui.dropdown(options=dash.event_options(frames.units), value="All events", label="Event")
    top_n = mo.ui.slider(10, 60, value=25, step=5, label="Schools/districts per chart", show_value=True)
    mo.hstack([event_pick, top_n], justify="start", gap=2)
    return event_pick, top_n


@app.cell
def _(event_pick, frames, today):
    view = dash.for_event(frames, event_pick.value)
    mo.hstack([mo.stat(**k.as_stat_kwargs()) for k in dash.kpis(view.units, today)], widths="equal", gap=1)
    return (view,)


@app.cell
def _(today, top_n, view):
    unit_chart = mo.ui.altair_chart(
        charts.status_bars(
            dash.unit_status_by_school(view.units, today, top_n.value), title="Event status by school / district"
        )
    )
    user_chart = mo.ui.altair_chart(
        charts.status_bars(
            dash.user_status_by_school(view.units, view.users, today, top_n.value),
            title="User status by school / district",
        )
    )
    overdue_event_chart = mo.ui.altair_chart(charts.overdue_by_event(dash.overdue_events(view.units, today)))
    overdue_unit_chart = mo.ui.altair_chart(charts.overdue_by_unit(dash.overdue_units(view.units, today, top_n.value)))
    heatmap = mo.ui.altair_chart(
        charts.findings_heatmap(dash.findings_matrix(view.findings, top_n.value, units=view.units))
    )
    _progress, _due = dash.progress(view.units)
    progress_view = charts.progress_chart(_progress, _due)
    return heatmap, overdue_event_chart, overdue_unit_chart, progress_view, unit_chart, user_chart


@app.cell
def _(heatmap, overdue_event_chart, overdue_unit_chart, progress_view, unit_chart, user_chart):
    def _shown(chart):
        """The chart, or its empty state (a chart with nothing to draw says so)."""
        _empty = charts.empty_state(chart)
        return mo.callout(mo.md(_empty.markdown()), kind="neutral") if _empty else chart

    mo.vstack(
        [
            mo.md(
                "Click a bar or a heatmap cell to filter the events table below (shift-click adds; "
                "click the background to clear)."
            ),
            mo.hstack([_shown(unit_chart), _shown(user_chart)], widths="equal"),
            mo.hstack([_shown(overdue_event_chart), _shown(overdue_unit_chart)], widths="equal"),
            mo.hstack([_shown(progress_view), _shown(heatmap)], widths="equal"),
        ]
    )
    return


@app.cell
def _(user, ws):
    _events = hist.trend_events(ws, user)
    mo.stop(
        not _events,
        mo.callout(
            mo.md("**No validation runs yet.** The trend of open errors fills in as districts run their validations."),
            kind="neutral",
        ),
    )
    trend_event = mo.ui.dropdown(options=_events, value=next(iter(_events)), label="Trend of event")
    trend_by = mo.ui.radio(options={"per district": "district", "per rule": "rule"}, value="per district", inline=True)
    mo.vstack(
        [
            mo.md("## Open errors over time"),
            mo.md(
                "Fatal and warning findings not excepted by the state, per day (each unit's latest run of the "
                "day): the districts converging reach zero before the due date."
            ),
            mo.hstack([trend_event, trend_by], justify="start", gap=2),
        ]
    )
    return trend_by, trend_event


@app.cell
def _(trend_by, trend_event, user, ws):
    _series, _due = hist.trend(ws, user, trend_event.value, trend_by.value)
    mo.stop(_series.height == 0, mo.callout(mo.md("**No open errors** in any run of this event."), kind="success"))
    mo.ui.altair_chart(charts.trend_lines(_series, _due, by=trend_by.value))
    return


@app.cell
def _(frames):
    years = sorted({str(y) for y in frames.units["school_year"].drop_nulls().to_list()})
    _first_due, _last_due = dash.due_range(frames.units)
    filters = mo.ui.dictionary(
        {
            "event_name": mo.ui.text(label="Filter by Event Name"),
            "school_name": mo.ui.text(label="Filter by School Name"),
            "user_statuses": mo.ui.multiselect(options=dash.USER_STATUSES, label="Filter User Status"),
            "event_statuses": mo.ui.multiselect(options=dash.UNIT_STATUSES, label="Filter Event Status"),
            "due_after": mo.ui.date(label="Due Date After", value=_first_due),
            "due_before": mo.ui.date(label="Due Date Before", value=_last_due),
            "year": mo.ui.dropdown(options=years, label="Filter by Year"),
            "active_only": mo.ui.switch(label="Active Events", value=False),
        }
    )
    return (filters,)


@app.cell
def _(filters):
    mo.vstack(
        [
            mo.md("## Certification Event Details"),
            mo.hstack(
                [filters["event_name"], filters["school_name"], filters["user_statuses"], filters["event_statuses"]],
                justify="start",
                wrap=True,
            ),
            mo.hstack(
                [filters["due_after"], filters["due_before"], filters["year"], filters["active_only"]],
                justify="start",
                wrap=True,
            ),
        ]
    )
    return


@app.cell
def _(filters, heatmap, overdue_event_chart, overdue_unit_chart, today, unit_chart, user_chart, view):
    table_filters = dash.build_filters(
        filters.value,
        dash.selection_filter(unit_chart.value, status_as="event_statuses"),
        dash.selection_filter(user_chart.value, status_as="user_statuses"),
        dash.selection_filter(overdue_event_chart.value),
        dash.selection_filter(overdue_unit_chart.value),
        dash.selection_filter(heatmap.value),
    )
    events = dash.filter_events(dash.events_table(view.units, view.users, today), table_filters, view.findings)
    page_size = 25
    page_no = mo.ui.number(start=1, stop=max(1, (events.height + page_size - 1) // page_size), value=1, label="Page")
    return events, page_no, page_size, table_filters


@app.cell
def _(events, page_no, page_size, table_filters, view):
    pg = dash.page(events, page_no.value, page_size)
    events_grid = mo.ui.table(
        dash.for_display(pg.rows),
        selection="single",
        pagination=False,
        show_download=False,
        label="Select a row to drill down to its latest report",
    )
    downloads = mo.hstack(
        [
            mo.download(
                data=lambda: dash.to_csv_bytes(dash.for_display(events)),
                filename="events.csv",
                mimetype="text/csv",
                label="Download CSV",
            ),
            mo.download(
                data=lambda: dash.to_xlsx_bytes(dash.for_display(events)),
                filename="events.xlsx",
                mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                label="Download XLSX",
            ),
        ],
        justify="start",
    )
    mo.vstack(
        [
            mo.md(dash.match_summary(pg.total, table_filters, view.units)),
            events_grid
            if pg.total
            else mo.callout(
                mo.md(
                    "No unit matches these filters. Clear a filter or click the chart background to "
                    "remove a chart selection."
                ),
                kind="neutral",
            ),
            mo.hstack(
                [page_no, mo.md(f"Items per page: {page_size} | {pg.caption}"), downloads], justify="space-between"
            ),
        ]
    )
    return (events_grid,)


@app.cell
def _(events_grid, user, ws):
    picked = events_grid.value
    mo.stop(picked is None or len(picked) == 0, mo.md("_Select a unit in the table to see its latest report._"))
    unit_id = int(picked["unit_id"][0])
    report_html = dash.latest_report_html(ws, unit_id, user)
    mo.vstack(
        [
            mo.md(f"### Latest report of unit {unit_id}"),
            mo.iframe(report_html, height="520px")
            if report_html
            else mo.callout(mo.md("This unit has no report yet: its users have not run a validation."), kind="neutral"),
        ]
    )
    return


if __name__ == "__main__":
    app.run()
