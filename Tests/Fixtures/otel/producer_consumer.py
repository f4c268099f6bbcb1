"""A producer/consumer job traced with the stock OpenTelemetry Python SDK.

Exports spans and log records with the OTLP/HTTP exporter to OTEL_EXPORTER_OTLP_ENDPOINT (a
running `correlate serve` in the tests), then prints one JSON line: the trace id, the queue wait
it slept, and the log messages it sent. Used by Tests/CorrelateCLITests/ServeCommandTests.swift.

    OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 python3 producer_consumer.py
"""

import json
import logging
import os
import sys
import time

from opentelemetry import context, propagate, trace
from opentelemetry._logs import set_logger_provider
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

TASK = "jobs.tasks.send_invoice"
QUEUE = "invoices"
QUEUE_WAIT = float(os.environ.get("QUEUE_WAIT_SECONDS", "0.4"))
WORK = float(os.environ.get("WORK_SECONDS", "0.8"))


def provider(service):
    """A tracer and a logger provider of their own per service, as two processes would have."""
    resource = Resource.create({"service.name": service})
    tracer_provider = TracerProvider(resource=resource)
    tracer_provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    logger_provider = LoggerProvider(resource=resource)
    logger_provider.add_log_record_processor(BatchLogRecordProcessor(OTLPLogExporter()))
    logger = logging.getLogger(service)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    logger.addHandler(LoggingHandler(level=logging.INFO, logger_provider=logger_provider))
    return tracer_provider, logger_provider, logger


def main():
    api_tracing, api_logging, api_log = provider("billing-api")
    worker_tracing, worker_logging, worker_log = provider("billing-worker")
    api = api_tracing.get_tracer("billing.api")
    worker = worker_tracing.get_tracer("billing.worker")
    messages = []

    # The producer: an HTTP request that enqueues the job, its context in the message headers.
    headers = {}
    with api.start_as_current_span("POST /invoices/{id}/send", kind=trace.SpanKind.SERVER,
                                   attributes={"http.route": "/invoices/{id}/send"}) as request:
        trace_id = format(request.get_span_context().trace_id, "032x")
        with api.start_as_current_span(f"send {TASK}", kind=trace.SpanKind.PRODUCER, attributes={
            "messaging.system": "redis", "messaging.destination.name": QUEUE,
            "messaging.operation.name": "send", "celery.task_name": TASK,
        }):
            propagate.inject(headers)
            api_log.info("queued %s on %s", TASK, QUEUE)
            messages.append(f"queued {TASK} on {QUEUE}")

    time.sleep(QUEUE_WAIT)

    # The consumer: the worker picks the job up with the producer's context.
    token = context.attach(propagate.extract(headers))
    try:
        with worker.start_as_current_span(f"run {TASK}", kind=trace.SpanKind.CONSUMER, attributes={
            "messaging.system": "redis", "messaging.destination.name": QUEUE,
            "messaging.operation.name": "process", "celery.task_name": TASK,
        }):
            worker_log.info("task %s started", TASK)
            messages.append(f"task {TASK} started")
            with worker.start_as_current_span("smtp.send", kind=trace.SpanKind.CLIENT,
                                              attributes={"server.address": "smtp.example"}):
                time.sleep(WORK)
            worker_log.warning("task %s slow: smtp answered after %.1fs", TASK, WORK)
            messages.append(f"task {TASK} slow: smtp answered after {WORK:.1f}s")
    finally:
        context.detach(token)

    # Outside any span: the trace id only in the text, for the extraction rules to find.
    text = f"invoice mail receipt stored trace_id={trace_id}"
    worker_log.info(text)
    messages.append(text)

    for flushing in (api_tracing, worker_tracing, api_logging, worker_logging):
        if not flushing.force_flush(10_000):
            print("export did not finish", file=sys.stderr)
            return 1
    for closing in (api_tracing, worker_tracing, api_logging, worker_logging):
        closing.shutdown()
    print(json.dumps({"trace_id": trace_id, "queue_wait_ms": QUEUE_WAIT * 1000, "messages": messages}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
