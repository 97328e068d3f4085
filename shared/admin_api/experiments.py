"""`/v1/experiments`: A/B tests over a template's label, and their results."""

from __future__ import annotations

from flask import Response

from shared.admin_api.context import PAGE, AdminRoute, AdminServices, revisioned
from shared.experiments.model import (
    ExperimentCreate,
    ExperimentOut,
    ExperimentPage,
    ExperimentSpec,
    StopRequest,
)
from shared.experiments.results import ExperimentResults, analyze
from shared.http.api import Call, json_answer
from shared.http.pagination import parse_limit


def list_experiments(call: Call, app: AdminServices) -> Response:
    return json_answer(
        app.experiments.list(
            cursor=call.query.get("cursor"), limit=parse_limit(call.query.get("limit"))
        )
    )


def create_experiment(call: Call, app: AdminServices) -> Response:
    created = app.experiments.create(call.body_as(ExperimentCreate), actor=call.actor)
    return revisioned(created, status=201)


def get_experiment(call: Call, app: AdminServices) -> Response:
    return revisioned(app.experiments.get(call.args["id"]))


def experiment_results(call: Call, app: AdminServices) -> Response:
    experiment = app.experiments.get(call.args["id"])
    summary = app.observations.experiment_summary(experiment.id)
    return json_answer(analyze(experiment, summary))


def replace_experiment(call: Call, app: AdminServices) -> Response:
    return revisioned(
        app.experiments.replace(
            call.args["id"],
            call.body_as(ExperimentSpec),
            actor=call.actor,
            if_match=call.if_match(),
        )
    )


def start_experiment(call: Call, app: AdminServices) -> Response:
    return revisioned(
        app.experiments.start(call.args["id"], actor=call.actor, if_match=call.if_match())
    )


def stop_experiment(call: Call, app: AdminServices) -> Response:
    return revisioned(
        app.experiments.stop(
            call.args["id"], call.body_as(StopRequest), actor=call.actor, if_match=call.if_match()
        )
    )


def delete_experiment(call: Call, app: AdminServices) -> Response:
    app.experiments.delete(call.args["id"], actor=call.actor, if_match=call.if_match())
    return Response(status=204)


ROUTES: tuple[AdminRoute, ...] = (
    AdminRoute(
        method="GET",
        path="/v1/experiments",
        role="viewer",
        handler=list_experiments,
        summary="List experiments",
        response=ExperimentPage,
        query=PAGE,
    ),
    AdminRoute(
        method="POST",
        path="/v1/experiments",
        role="editor",
        handler=create_experiment,
        summary="Define an experiment (draft)",
        body=ExperimentCreate,
        response=ExperimentOut,
        status=201,
    ),
    AdminRoute(
        method="GET",
        path="/v1/experiments/{id}",
        role="viewer",
        handler=get_experiment,
        summary="Get an experiment",
        response=ExperimentOut,
    ),
    AdminRoute(
        method="PUT",
        path="/v1/experiments/{id}",
        role="editor",
        handler=replace_experiment,
        summary="Edit a draft experiment",
        body=ExperimentSpec,
        response=ExperimentOut,
    ),
    AdminRoute(
        method="DELETE",
        path="/v1/experiments/{id}",
        role="admin",
        handler=delete_experiment,
        summary="Delete a non-running experiment",
        status=204,
    ),
    AdminRoute(
        method="POST",
        path="/v1/experiments/{id}/start",
        role="publisher",
        handler=start_experiment,
        summary="Start (one per template and label)",
        response=ExperimentOut,
    ),
    AdminRoute(
        method="POST",
        path="/v1/experiments/{id}/stop",
        role="publisher",
        handler=stop_experiment,
        summary="Stop, recording the decision; a winner moves the label",
        body=StopRequest,
        response=ExperimentOut,
    ),
    AdminRoute(
        method="GET",
        path="/v1/experiments/{id}/results",
        role="viewer",
        handler=experiment_results,
        summary="Per-variant figures, tests against the control, sample-ratio check, guidance",
        response=ExperimentResults,
    ),
)
