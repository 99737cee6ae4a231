"""Dispatch: `send_due_messages` through TwilioGateway (the real twilio client) to a canned endpoint.

Throughput: the day's due messages with no rate limit — one run with ``limit`` 20,000 whose ``stop``
callable (the daemon's SIGTERM hook) ends it after ``BUDGET_S`` seconds, so a slow dispatcher cannot
hold the benchmark for long; what it claimed but had not sent goes back to planned — against a
bare thread pool calling ``messages.create`` for the same (to, body) pairs with as many threads as
[sms] concurrency. Target ≥ 70% of the bare loop's messages/s. Then the rate limit: the same kind
of run with [sms] rate_per_second set (about ten seconds' worth of messages at the throughput just
measured, at most 2,000), timed from the receiving end; target within 5% of it.
"""

from __future__ import annotations

from bench.bare.twilio_loop import send_all
from bench.canned_twilio import ACCOUNT_SID, AUTH_TOKEN, CannedTwilio
from bench.context import FROM_NUMBER, Context, bench_settings
from bench.databases import transaction
from bench.harness import Section, at_least, stopwatch
from messaging.dispatch import send_due_messages
from messaging.gateways.twilio import TwilioGateway

MIN_RATIO = 0.7
RATE_TOLERANCE = 0.05
CONCURRENCY = 8  # config.toml's default [sms] concurrency
BUDGET_S = 90.0


def run(section: Section, ctx: Context) -> None:
    sample = 2_000 if ctx.quick else 20_000
    rate, rate_messages = (100.0, 300) if ctx.quick else (200.0, 2_000)
    with CannedTwilio() as server:
        settings = bench_settings(rate_per_second=0.0, concurrency=CONCURRENCY)
        sent, jinli_s = _dispatch_for_a_while(ctx, server, settings, sample)
        pairs = _sent_pairs(ctx, sent)
        bare_s, bare_sent = send_all(server.base_url, ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, pairs, CONCURRENCY)
        figure = section.add("dispatch, no rate limit", sent / jinli_s, "msg/s", baseline=bare_sent / bare_s,
                             target=f"≥ {MIN_RATIO:.0%} of baseline",
                             note=f"{sent:,} messages, {CONCURRENCY} threads each side")
        figure.passed = at_least(figure.ratio, MIN_RATIO)
        section.note(f"throughput: jinli sent {sent:,} in {jinli_s:.1f} s; the bare loop {bare_sent:,} in {bare_s:.1f} s")
        _rate_limit(section, ctx, server, rate, min(rate_messages, sent, max(100, int(10 * sent / jinli_s))))


def _gateway(settings, server: CannedTwilio) -> TwilioGateway:
    environ = {"TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN}
    return TwilioGateway.from_settings(settings, environ=environ, base_url=server.base_url)


def _dispatch_for_a_while(ctx: Context, server: CannedTwilio, settings, sample: int) -> tuple[int, float]:
    """Send up to ``sample`` messages in one run, asked to stop after BUDGET_S; (sent, seconds)."""
    sent, seconds = _dispatch(ctx, server, settings, sample, budget_s=BUDGET_S)
    if sent == 0:
        raise RuntimeError("nothing was sent: is anything due at noon on the bench day?")
    return sent, seconds


def _dispatch(ctx: Context, server: CannedTwilio, settings, limit: int, budget_s: float | None = None) -> tuple[int, float]:
    server.reset()
    with stopwatch() as elapsed:
        stop = (lambda: elapsed() > budget_s) if budget_s else None
        summary = send_due_messages(ctx.target.engine(), _gateway(settings, server), settings, ctx.at(12, 0),
                                    worker="bench", limit=limit, stop=stop)
    return summary.sent, elapsed()


def _sent_pairs(ctx: Context, count: int) -> list[tuple[str, str]]:
    conn = ctx.target.connect_jinli_raw()
    try:
        rows = conn.execute(f"SELECT phone, body FROM outbox WHERE state = 'sent' ORDER BY id LIMIT {int(count)}")
        return [tuple(r) for r in rows.fetchall()]
    finally:
        conn.close()


def _rate_limit(section: Section, ctx: Context, server: CannedTwilio, rate: float, count: int) -> None:
    """Put ``count`` sent messages back to planned and send them again at ``rate`` a second."""
    _replan(ctx, count)
    settings = bench_settings(rate_per_second=rate, concurrency=CONCURRENCY)
    sent, _seconds = _dispatch(ctx, server, settings, count)
    stats = server.stats()
    achieved = (stats["requests"] - 1) / (stats["last"] - stats["first"])
    section.add("rate limit honoured", achieved, "msg/s", target=f"{rate:.0f}/s ± {RATE_TOLERANCE:.0%}",
                passed=abs(achieved / rate - 1) <= RATE_TOLERANCE,
                note=f"{sent:,} messages; busiest second {stats['busiest_second']}")
    section.note(f"rate limit: configured {rate:.0f}/s, received {achieved:.1f}/s over {stats['requests']:,} requests "
                 f"(measured at the endpoint), busiest one-second window {stats['busiest_second']} requests")


def _replan(ctx: Context, count: int) -> None:
    conn = ctx.target.connect_jinli_raw()
    try:
        with transaction(conn):
            conn.execute(
                "UPDATE outbox SET state = 'planned', provider_id = NULL, sent_at = NULL, sending_at = NULL, "
                "claimed_by = NULL, attempts = 0 WHERE id IN (SELECT id FROM outbox WHERE state = 'sent' "
                f"ORDER BY id LIMIT {int(count)})")
    finally:
        conn.close()
