"""Return visits (回访) of the bulk demo tickets (`core.demo_tickets`), in the shapes
`followup.services.visits_schedule_for` and `visit_record` would have left them:

- Every CLOSED ticket of a type with an active policy (`followup.services.policy_for`
  rules: the project's own before the company's, a category's before the catch-all) gets
  its VisitDraw, in closing order per project and policy, drawn by the services' quota rule
  (`quota_hit`) at the policy's coverage; complaints also get the CMP-10 audit draw. The
  project's sampling counters (`visit:<policy>`, `visit-person:<policy>`, `visit-audit`,
  `visit-audit-person`) are moved on, so tickets closed later continue the sequences.
- A drawn ticket gets its ReturnVisit, created at the close, due after the policy's delay
  on the project's working calendar, to a staff member of the role VIS-5 asks for, in
  person per the policy's in-person share. Visits are made by phone mostly (a few on
  site), in person where required; 93–96 % on time, the rest late; visits due in the
  last days are still PLANNED (some overdue), with the visit clock's reminder state.
- The record: handled, satisfied ~94 %, scores 4–5 mostly (lower when not satisfied);
  unsatisfied or unhandled visits were sent back with the VIS-6 rework deadline. The
  ticket's timeline gets the service's summary comment for tickets with a full timeline.

Not generated: the reopening of a sent-back ticket and its recheck visit (the ticket
stays closed), signatures and signed sheets, new tickets raised in visits, PM reviews.
All random choices come from one `random.Random` seeded by the caller, never row ids.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter as Tally
from types import SimpleNamespace

from propdesk.core.models import Counter
from propdesk.desk.choices import EventKind, TicketType
from propdesk.followup.choices import VisitMethod, VisitorRule, VisitPurpose, VisitStatus
from propdesk.followup.models import ReturnVisit, ReturnVisitPolicy, VisitDraw
from propdesk.followup.presets import AUDIT_DELAY_DAYS
from propdesk.followup.services import clock_fields, quota_hit, visit_summary, visitor_roles
from propdesk.sla import arithmetic
from propdesk.sla.choices import BUSINESS_UNITS, Unit

ON_TIME = 0.95  # share of visits made by their due time
SATISFIED = 0.94
HANDLED = 0.98
ON_SITE = 0.05  # of the visits not required in person


class Visits:
    """Collects a project's closed tickets (`closed`) and turns them into draw, visit and
    comment rows (`project`)."""

    def __init__(self, *, now: dt.datetime, seed: int, full_since: dt.datetime, table):
        self.now = now
        self.full_since = full_since
        self.rng = random.Random(f"visits-{seed}")
        self.draws = table(VisitDraw)
        self.visits = table(ReturnVisit)
        self.columns = {c: i for i, c in enumerate(self.visits.columns)}
        self.template = [None] * len(self.columns)  # a planned visit's constant fields
        for name, value in (("round", 1), ("status", VisitStatus.PLANNED.value)):
            self.template[self.columns[name]] = value
        for name in ("method", "contact_name", "other_matters", "note", "signature", "signed_sheet", "review_note"):
            self.template[self.columns[name]] = ""
        self._roles: dict[tuple, tuple[str, ...]] = {}
        self.counts = Tally()
        policies = ReturnVisitPolicy.objects.filter(active=True).exclude(ticket_type__in=("move_in", "activity"))
        self._policies = list(policies)
        self.types = frozenset(p.ticket_type for p in self._policies)

    def policy_for(self, project_id: int, ticket_type: str, category: str) -> ReturnVisitPolicy | None:
        """As followup.services.policy_for, over the policies loaded once."""
        ranked = [
            p
            for p in self._policies
            if p.project_id in (project_id, None) and p.ticket_type == ticket_type and p.category in (category, "")
        ]
        ranked.sort(key=lambda p: (p.project_id is None, p.category == ""))
        return ranked[0] if ranked else None

    def roles(self, ticket_type: str, priority: str, department: str, rule: str) -> tuple[str, ...]:
        """`followup.services.visitor_roles` of such a ticket, computed once per kind."""
        key = (ticket_type, priority, department, rule)
        roles = self._roles.get(key)
        if roles is None:
            ticket = SimpleNamespace(
                type=ticket_type,
                priority=priority,
                department=department,
                complaint=SimpleNamespace(complained_department=department),
            )
            roles = self._roles[key] = visitor_roles(ticket, rule)
        return roles

    def project(self, project, staff, calendar, closed: list[tuple], events: list[tuple], event_id) -> None:
        """`closed`: (closed_at, ticket_id, type, category, priority, department, house_id,
        receiver, created) of the project's closed tickets."""
        rng = self.rng
        project_id = project.pk
        counters = dict(Counter.objects.filter(project=project, key__startswith="visit").values_list("key", "value"))
        policies: dict[tuple[str, str], ReturnVisitPolicy | None] = {}
        draws, visits = [], []
        for closed_at, ticket_id, ticket_type, category, priority, department, house_id, receiver, created in sorted(closed):
            key = (ticket_type, category)
            if key not in policies:
                policies[key] = self.policy_for(project_id, ticket_type, category)
            policy = policies[key]
            if policy is None:
                continue
            full = created >= self.full_since
            samples = [
                (
                    VisitPurpose.ROUTINE.value,
                    policy.coverage_percent,
                    f"visit:{policy.pk}",
                    policy.in_person_percent,
                    f"visit-person:{policy.pk}",
                    policy.delay,
                    policy.delay_unit,
                    policy.visitor,
                    policy.rules,
                )
            ]
            if ticket_type == TicketType.COMPLAINT and policy.audit_percent:
                samples.append(
                    (
                        VisitPurpose.AUDIT.value,
                        policy.audit_percent,
                        "visit-audit",
                        policy.audit_in_person_percent,
                        "visit-audit-person",
                        AUDIT_DELAY_DAYS,
                        Unit.CALENDAR_DAYS.value,
                        VisitorRule.SUPERVISOR.value,
                        "CMP-10",
                    )
                )
            for purpose, percent, seq_key, person_percent, person_key, delay, unit, rule, rules in samples:
                seq = counters[seq_key] = counters.get(seq_key, 0) + 1
                drawn = quota_hit(seq, percent)
                draws.append(
                    (self.draws.next_id(), project_id, ticket_id, None, None, None, purpose, policy.pk, seq, drawn, closed_at)
                )
                self.counts[f"draws_{purpose}"] += 1
                if not drawn:
                    continue
                in_person = False
                if person_percent:
                    n = counters[person_key] = counters.get(person_key, 0) + 1
                    in_person = quota_hit(n, person_percent)
                due_at, _budget = arithmetic.deadline_for(
                    unit=unit, amount=delay, start=closed_at, calendar=calendar if unit in BUSINESS_UNITS else None
                )
                roles = self.roles(ticket_type, priority, department, rule)
                visitor = next((rng.choice(staff.by_role[r]) for r in roles if staff.by_role.get(r)), receiver)
                visits.append(
                    self.visit(
                        project_id,
                        ticket_id,
                        house_id,
                        purpose,
                        policy,
                        visitor,
                        in_person,
                        closed_at,
                        due_at,
                        rules,
                        calendar,
                        events if full else None,
                        event_id,
                    )
                )
        for key, value in counters.items():
            Counter.objects.update_or_create(project=project, key=key, defaults={"value": value})
        self.draws.write(draws)
        self.visits.write(visits)

    def visit(
        self,
        project_id,
        ticket_id,
        house_id,
        purpose,
        policy,
        visitor,
        in_person,
        created,
        due_at,
        rules,
        calendar,
        events,
        event_id,
    ) -> tuple:
        rng, now, c = self.rng, self.now, self.columns
        clock = clock_fields(due_at, created)
        row = self.template.copy()
        row[c["id"]] = self.visits.next_id()
        row[c["project_id"]], row[c["ticket_id"]], row[c["purpose"]] = project_id, ticket_id, purpose
        row[c["policy_id"]], row[c["house_id"]], row[c["visitor_id"]] = policy.pk, house_id, visitor
        row[c["in_person_required"]], row[c["created_at"]], row[c["due_at"]] = in_person, created, due_at
        row[c["rules"]], row[c["warn_at"]], row[c["next_check_at"]] = rules, clock["warn_at"], clock["next_check_at"]
        span = due_at - created
        if rng.random() < ON_TIME:
            done_at = created + span * rng.uniform(0.1, 0.98)
        else:
            done_at = due_at + dt.timedelta(seconds=rng.uniform(1800, 3 * 86400))
        if done_at > now:  # not made yet: the visit clock is where the sweep left it
            warned = clock["warn_at"] <= now
            overdue = due_at <= now
            row[c["warned_at"]] = clock["warn_at"] if warned else None
            row[c["overdue_notified_at"]] = due_at if overdue else None
            row[c["next_check_at"]] = None if overdue else due_at if warned else clock["next_check_at"]
            self.counts["planned"] += 1
            self.counts["overdue"] += overdue
            return tuple(row)
        handled = rng.random() < HANDLED
        satisfied = handled and rng.random() < SATISFIED
        high = (4, 5, 5, 5) if satisfied else (2, 3, 3, 4)
        scores = (rng.choice(high), rng.choice(high), rng.choice(high))
        method = VisitMethod.IN_PERSON.value if in_person else VisitMethod.PHONE.value
        if not in_person and rng.random() < ON_SITE:
            method = VisitMethod.ON_SITE.value
        for name, value in (
            ("status", VisitStatus.DONE.value),
            ("next_check_at", None),
            ("done_at", done_at),
            ("done_by_id", visitor),
            ("method", method),
            ("handled", handled),
            ("satisfied", satisfied),
            ("score_quality", scores[0]),
            ("score_result", scores[1]),
            ("score_attitude", scores[2]),
            ("warned_at", clock["warn_at"] if clock["warn_at"] <= done_at else None),
            ("overdue_notified_at", due_at if due_at < done_at else None),
        ):
            row[c[name]] = value
        if not (handled and satisfied):  # VIS-6: sent back with a rework deadline
            row[c["sent_back_at"]] = done_at
            row[c["rework_due_at"]], _budget = arithmetic.deadline_for(
                unit=Unit.BUSINESS_DAYS, amount=policy.rework_days, start=done_at, calendar=calendar
            )
            self.counts["sent_back"] += 1
        if events is not None:  # the service's comment on the ticket (visit_record)
            events.append(
                (
                    event_id(),
                    project_id,
                    ticket_id,
                    EventKind.COMMENT.value,
                    visitor,
                    done_at,
                    "{}",
                    "{}",
                    visit_summary(purpose=purpose, method=method, handled=handled, satisfied=satisfied, scores=scores),
                )
            )
            self.counts["events"] += 1
        self.counts["done"] += 1
        self.counts["late"] += done_at > due_at
        return tuple(row)

    def finish(self) -> None:
        self.draws.finish()
        self.visits.finish()
