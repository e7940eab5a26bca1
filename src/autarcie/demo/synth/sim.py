"""The bed simulation: stays, movements and identity events in time order, no bed shared."""

from __future__ import annotations

import datetime as dt
import heapq
import random
from dataclasses import replace

from autarcie.demo.synth.hospital import Hospital, Unit
from autarcie.demo.synth.people import Patient, PatientFactory
from autarcie.demo.synth.rpu import EdPlan, draw_passage
from autarcie.demo.synth.stays import AdtEvent, Location, Segment, Stay, snapshot

OCCUPANCY = 0.85
_ORIENT_KINDS: dict[str, tuple[str, ...]] = {
    "MED": ("medicine", "geriatrics", "other"),
    "CHIR": ("surgery",),
    "REA": ("icu",),
    "SI": ("icu",),
    "SC": ("continuing_care",),
    "UHCD": ("emergency",),
    "OBST": ("maternity",),
    "HO": ("psychiatry",),
    "HDT": ("psychiatry",),
}
_AGES: dict[str, tuple[int, int]] = {
    "paediatrics": (0, 15),
    "maternity": (18, 44),
    "geriatrics": (75, 100),
}


class Simulation:
    """Runs every stay of the window [start, now] against a pool of free beds."""

    def __init__(
        self,
        hospital: Hospital,
        factory: PatientFactory,
        seed: int,
        start: dt.datetime,
        now: dt.datetime,
    ) -> None:
        self.hospital = hospital
        self.factory = factory
        self.rng = random.Random(f"{seed}:simulation")  # noqa: S311 (synthetic data, not secrets)
        self.start = start
        self.now = now
        self.free: dict[str, list[Location]] = {
            u.code: [Location(*key) for key in u.bed_keys()] for u in hospital.units
        }
        for beds in self.free.values():
            heapq.heapify(beds)
        self.queue: list[tuple[dt.datetime, int, str, Stay | Unit]] = []
        # Beds freed at a future instant (a cancelled move) stay taken until then.
        self.pending: list[tuple[dt.datetime, Location]] = []
        self.clock = start
        self.events: list[AdtEvent] = []
        self.stays: list[Stay] = []
        self.patients: list[Patient] = []
        self.ed_plans: dict[str, EdPlan] = {}
        self._seq = 0
        self._nda = 0
        self._movement = 0

    # -- bookkeeping -------------------------------------------------------------------------
    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def emit(self, at: dt.datetime, trigger: str, patient: Patient, **fields: object) -> None:
        """Record one ADT event, unless it would happen after the reference instant."""
        if at <= self.now:
            self.events.append(AdtEvent(at, self._next_seq(), trigger, patient, **fields))  # type: ignore[arg-type]

    def schedule(self, at: dt.datetime, action: str, subject: Stay | Unit) -> None:
        """Queue an action; anything after the reference instant never happens."""
        if at <= self.now:
            heapq.heappush(self.queue, (at, self._next_seq(), action, subject))

    def movement_id(self) -> str:
        self._movement += 1
        return f"MVT{self._movement:08d}"

    def take_bed(self, unit: str) -> Location | None:
        beds = self.free[unit]
        return heapq.heappop(beds) if beds else None

    def release(self, location: Location, at: dt.datetime) -> None:
        """Give a bed back to the pool from `at` on."""
        if not location.bed:
            return
        if at <= self.clock:
            heapq.heappush(self.free[location.unit], location)
        else:
            heapq.heappush(self.pending, (at, location))

    def _drain(self, at: dt.datetime) -> None:
        while self.pending and self.pending[0][0] <= at:
            _when, location = heapq.heappop(self.pending)
            heapq.heappush(self.free[location.unit], location)

    def new_patient(self, at: dt.datetime, unit: Unit) -> Patient:
        """A patient for a new stay, with the identity traps at their small rates."""
        rng = self.rng
        low, high = _AGES.get(unit.kind, (18, 95))
        sex = "F" if unit.kind == "maternity" else None
        if self.patients and rng.random() < 0.01:
            patient = self.factory.look_alike(rng.choice(self.patients))
        else:
            patient = self.factory.new(low, high, sex)
        if rng.random() < 0.02:
            patient = self.factory.hide(patient)
        if patient.ins and rng.random() < 0.01:
            patient = self.factory.with_wrong_ins(patient)
        self.patients.append(patient)
        self._identity_events(at - dt.timedelta(minutes=rng.randint(5, 60)), patient)
        return patient

    def _identity_events(self, at: dt.datetime, patient: Patient) -> None:
        rng = self.rng
        if patient.wrong_ins:
            self.emit(at, "A28", replace(patient, ins=patient.wrong_ins))
            fixed = at + dt.timedelta(minutes=rng.randint(30, 600))
            self.emit(fixed, "A47", patient, old_identifier=patient.wrong_ins)
        else:
            self.emit(at, "A28", patient)
        if rng.random() < 0.006:
            duplicate = self.factory.duplicate(patient)
            self.patients.append(duplicate)
            created = at + dt.timedelta(hours=rng.uniform(1, 20))
            self.emit(created, "A28", duplicate)
            self.emit(
                created + dt.timedelta(hours=rng.uniform(1, 30)), "A40", patient, merged=duplicate
            )

    def new_stay(self, patient: Patient, unit: Unit, at: dt.datetime, cls: str) -> Stay:
        self._nda += 1
        doctors = self.hospital.doctors_of(unit.code)
        stay = Stay(
            nda=f"{self.now.year % 100:02d}{self._nda:07d}",  # year prefix: unlike an IPP
            patient=patient,
            patient_class=cls,
            admitted_at=at,
            attending=self.rng.choice(doctors),
        )
        self.stays.append(stay)
        return stay

    def draw_days(self, unit: Unit) -> float:
        return max(0.15, self.rng.expovariate(1.0 / unit.mean_stay_days))

    # -- the run -----------------------------------------------------------------------------
    def run(self) -> None:
        """Fill the beds at the window start, then play arrivals until the reference instant."""
        for unit in self.hospital.units:
            if unit.beds:
                self._fill(unit)
                self._arrivals(unit)
        self._ed_arrivals()
        while self.queue:
            at, _seq, action, subject = heapq.heappop(self.queue)
            self._drain(at)
            self.clock = at
            getattr(self, f"do_{action}")(at, subject)
        self.events.sort(key=lambda e: (e.at, e.seq))

    def _fill(self, unit: Unit) -> None:
        for _ in range(round(unit.beds * OCCUPANCY)):
            # Stays are memoryless: time already spent and time left are both exponential,
            # so discharges in the window run at the steady rate, not twice as fast.
            elapsed, left = self.draw_days(unit), self.draw_days(unit)
            self.admit(unit, self.start - dt.timedelta(days=elapsed), elapsed + left)

    def _arrivals(self, unit: Unit) -> None:
        # Direct admissions keep the unit near its occupancy; the ED fills the rest.
        share = 0.5 if unit.kind == "emergency" else 0.9
        rate = unit.beds * OCCUPANCY / unit.mean_stay_days * share  # per day
        at = self.start
        while True:
            at += dt.timedelta(days=self.rng.expovariate(rate))
            if at > self.now:
                return
            self.schedule(at, "arrive", unit)

    def do_arrive(self, at: dt.datetime, unit: Unit) -> None:
        self.admit(unit, at, self.draw_days(unit))

    def admit(self, unit: Unit, at: dt.datetime, days: float) -> None:
        """An inpatient admission (with pre-admission when it was scheduled)."""
        bed = self.take_bed(unit.code)
        if bed is None:
            return  # the unit is full: the patient goes elsewhere
        rng = self.rng
        stay = self.new_stay(self.new_patient(at, unit), unit, at, "I")
        if unit.kind in ("surgery", "maternity") and rng.random() < 0.6:
            stay.preadmit_at = at - dt.timedelta(days=rng.uniform(1, 10))
            self.emit(
                stay.preadmit_at,
                "A05",
                stay.patient,
                visit=snapshot(stay),
                movement_id=self.movement_id(),
                movement_at=stay.preadmit_at,
                with_allergies=True,
            )
        stay.segments.append(Segment(self.movement_id(), "A01", at, bed))
        self.emit(
            at,
            "A01",
            stay.patient,
            visit=snapshot(stay),
            movement_id=stay.segments[-1].movement_id,
            movement_at=at,
            with_allergies=True,
        )
        if at >= self.start and rng.random() < 0.01:
            self._cancel_admission(stay, at + dt.timedelta(minutes=rng.randint(10, 90)))
            return
        self._plan(stay, unit, at, days)

    def _cancel_admission(self, stay: Stay, at: dt.datetime) -> None:
        if at > self.now:
            return
        stay.cancelled = True
        stay.segments[-1].end = at
        self.release(stay.segments[-1].location, at)
        self.emit(
            at,
            "A11",
            stay.patient,
            visit=snapshot(stay),
            action="CANCEL",
            movement_id=stay.segments[-1].movement_id,
            original_trigger="A01",
            movement_at=stay.admitted_at,
        )

    def _plan(self, stay: Stay, unit: Unit, at: dt.datetime, days: float) -> None:
        rng = self.rng
        if unit.kind in ("icu", "continuing_care") and rng.random() < 0.6:
            ward = rng.choice(
                [u for u in self.hospital.units if u.kind in ("medicine", "surgery") and u.beds]
            )
            stay.plan.append((ward.code, self.draw_days(ward)))
        self.schedule(at + dt.timedelta(days=days), "next", stay)
        if unit.kind in ("psychiatry", "geriatrics") and rng.random() < 0.15:
            self.schedule(
                max(at, self.start) + dt.timedelta(hours=rng.uniform(2, 60)), "leave", stay
            )
        if rng.random() < 0.05:
            self.schedule(
                max(at, self.start) + dt.timedelta(hours=rng.uniform(1, 48)), "doctor", stay
            )
        if rng.random() < 0.03:
            self.schedule(
                max(at, self.start) + dt.timedelta(hours=rng.uniform(1, 48)), "correct", stay
            )
        if rng.random() < 0.03:
            self.schedule(
                max(at, self.start) + dt.timedelta(hours=rng.uniform(1, 48)), "allergy", stay
            )

    # -- actions on open stays ---------------------------------------------------------------
    def _open(self, stay: Stay) -> bool:
        return not stay.cancelled and stay.discharged_at is None

    def do_next(self, at: dt.datetime, stay: Stay) -> None:
        """End of the current segment: transfer to the next planned unit, or discharge."""
        if not self._open(stay):
            return
        if stay.on_leave:
            self.schedule(at + dt.timedelta(hours=6), "next", stay)
            return
        if stay.plan:
            unit_code, days = stay.plan[0]
            if self.transfer(stay, at, unit_code):
                stay.plan.pop(0)
                self.schedule(at + dt.timedelta(days=days), "next", stay)
            else:
                self.schedule(at + dt.timedelta(hours=4), "next", stay)
            return
        self.discharge(stay, at)

    def transfer(self, stay: Stay, at: dt.datetime, unit_code: str, trigger: str = "A02") -> bool:
        """Move a patient to a free bed of another unit; a few transfers are cancelled (A12)."""
        bed = self.take_bed(unit_code)
        if bed is None:
            return False
        previous = stay.segments[-1]
        previous.end = at
        self.release(previous.location, at)
        stay.segments.append(Segment(self.movement_id(), trigger, at, bed))
        self.emit(
            at,
            trigger,
            stay.patient,
            visit=snapshot(stay, previous.location),
            movement_id=stay.segments[-1].movement_id,
            movement_at=at,
        )
        if trigger == "A02" and self.rng.random() < 0.02:
            self._cancel_transfer(stay, at + dt.timedelta(minutes=self.rng.randint(5, 40)))
            return self.transfer(stay, at + dt.timedelta(minutes=45), unit_code)
        return True

    def _cancel_transfer(self, stay: Stay, at: dt.datetime) -> None:
        wrong = stay.segments.pop()
        back = stay.segments[-1]
        if self.take_specific(back.location):
            self.release(wrong.location, at)
            back.end = None
            self.emit(
                at,
                "A12",
                stay.patient,
                visit=snapshot(stay, wrong.location),
                action="CANCEL",
                movement_id=wrong.movement_id,
                original_trigger="A02",
                movement_at=wrong.start,
            )
        else:
            stay.segments.append(wrong)  # the old bed is gone: the transfer stands

    def take_specific(self, location: Location) -> bool:
        beds = self.free[location.unit]
        if location not in beds:
            return False
        beds.remove(location)
        heapq.heapify(beds)
        return True

    def discharge(self, stay: Stay, at: dt.datetime) -> None:
        """Discharge home (or transfer out); 2% are entered too early and cancelled (A13)."""
        segment = stay.segments[-1]
        stay.discharged_at = at
        segment.end = at
        if not stay.mode_sortie:
            stay.mode_sortie = self.rng.choice("8888887")
            stay.destination = "1" if stay.mode_sortie == "7" else ""
        self.emit(
            at,
            "A03",
            stay.patient,
            visit=snapshot(stay),
            movement_id=self.movement_id(),
            movement_at=at,
        )
        if self.rng.random() < 0.02 and at + dt.timedelta(hours=1) <= self.now:
            stay.discharged_at = None
            segment.end = None
            self.emit(
                at + dt.timedelta(minutes=self.rng.randint(10, 50)),
                "A13",
                stay.patient,
                visit=snapshot(stay),
                action="CANCEL",
                original_trigger="A03",
                movement_id=f"MVT{self._movement:08d}",
                movement_at=at,
            )
            self.schedule(at + dt.timedelta(hours=self.rng.uniform(2, 20)), "next", stay)
            return
        self.release(segment.location, at)

    def do_leave(self, at: dt.datetime, stay: Stay) -> None:
        """A leave of absence (A21), bed kept, return (A22) hours later; some are cancelled."""
        if not self._open(stay) or stay.on_leave:
            return
        rng = self.rng
        leave_id = self.movement_id()
        stay.on_leave = True
        self.emit(
            at, "A21", stay.patient, visit=snapshot(stay), movement_id=leave_id, movement_at=at
        )
        if rng.random() < 0.1:
            stay.on_leave = False
            self.emit(
                at + dt.timedelta(minutes=15),
                "A52",
                stay.patient,
                visit=snapshot(stay),
                action="CANCEL",
                movement_id=leave_id,
                original_trigger="A21",
                movement_at=at,
            )
            return
        self.schedule(at + dt.timedelta(hours=rng.uniform(3, 40)), "back", stay)

    def do_back(self, at: dt.datetime, stay: Stay) -> None:
        if not self._open(stay) or not stay.on_leave:
            return
        back_id = self.movement_id()
        stay.on_leave = False
        self.emit(
            at, "A22", stay.patient, visit=snapshot(stay), movement_id=back_id, movement_at=at
        )
        if self.rng.random() < 0.1:
            # The return was keyed in too early: cancelled, then keyed again later.
            stay.on_leave = True
            self.emit(
                at + dt.timedelta(minutes=10),
                "A53",
                stay.patient,
                visit=snapshot(stay),
                action="CANCEL",
                movement_id=back_id,
                original_trigger="A22",
                movement_at=at,
            )
            self.schedule(at + dt.timedelta(hours=2), "back", stay)

    def do_doctor(self, at: dt.datetime, stay: Stay) -> None:
        """Attending doctor change (A54)."""
        if not self._open(stay):
            return
        doctors = self.hospital.doctors_of(stay.segments[-1].location.unit)
        stay.attending = self.rng.choice(doctors)
        self.emit(
            at,
            "A54",
            stay.patient,
            visit=snapshot(stay),
            movement_id=self.movement_id(),
            movement_at=at,
            nature="M",
        )

    def do_correct(self, at: dt.datetime, stay: Stay) -> None:
        """Historic correction (Z99) of the current movement's start, ten minutes later."""
        if not self._open(stay) or stay.on_leave:
            return
        segment = stay.segments[-1]
        if segment.start + dt.timedelta(minutes=10) >= at:
            return
        segment.start += dt.timedelta(minutes=10)
        if len(stay.segments) == 1:
            stay.admitted_at = segment.start
        self.emit(
            at,
            "Z99",
            stay.patient,
            visit=snapshot(stay),
            action="UPDATE",
            historic=True,
            movement_id=segment.movement_id,
            original_trigger=segment.trigger,
            movement_at=segment.start,
        )

    def do_allergy(self, at: dt.datetime, stay: Stay) -> None:
        """An allergy learnt during the stay is sent with an identity update (A31 + AL1)."""
        if self._open(stay):
            self.emit(at, "A31", stay.patient, with_allergies=True)

    # -- emergency department ----------------------------------------------------------------
    def _ed_arrivals(self) -> None:
        # The two ED units come first; a tiny hospital may also leave UHCD without beds.
        adult, child = [u for u in self.hospital.units if u.kind == "emergency" and not u.beds][:2]
        rate = max(8.0, sum(u.beds for u in self.hospital.units) * 0.13)
        at = self.start
        while True:
            at += dt.timedelta(days=self.rng.expovariate(rate))
            if at > self.now:
                return
            self.schedule(at, "ed_arrival", child if self.rng.random() < 0.2 else adult)

    def do_ed_arrival(self, at: dt.datetime, unit: Unit) -> None:
        """An emergency registration (A04) and its planned exit."""
        patient = self.new_patient(at, unit) if unit.label.endswith("adultes") else None
        if patient is None:
            patient = self.new_patient(at, replace(unit, kind="paediatrics"))
        plan = draw_passage(
            self.rng,
            postcode=patient.address.commune.postcode,
            commune=patient.address.commune.name,
            birth=patient.birth_date,
            sex=patient.sex,
            entered_at=at,
        )
        stay = self.new_stay(patient, unit, at, "E")
        stay.ed = plan.passage
        stay.mode_entree = plan.passage.mode_entree
        stay.provenance = plan.passage.provenance
        self.ed_plans[stay.nda] = plan
        stay.segments.append(Segment(self.movement_id(), "A04", at, Location(unit.code)))
        self.emit(
            at,
            "A04",
            patient,
            visit=snapshot(stay),
            movement_id=stay.segments[-1].movement_id,
            movement_at=at,
            with_allergies=True,
        )
        self.schedule(at + dt.timedelta(hours=plan.hours), "ed_exit", stay)

    def do_ed_exit(self, at: dt.datetime, stay: Stay) -> None:
        """The patient leaves the ED: home, admitted (A06 then A02) or transferred out."""
        if stay.ed is None:
            raise ValueError("stay.ed is required for this event")
        passage = replace(stay.ed, left_at=at)
        if passage.mode_sortie == "6":
            unit = self._ward_for(passage.orient)
            if unit is not None and self.free[unit.code]:
                stay.ed = passage
                stay.patient_class = "I"
                self.emit(
                    at,
                    "A06",
                    stay.patient,
                    visit=snapshot(stay),
                    movement_id=self.movement_id(),
                    movement_at=at,
                    nature="D",
                )
                self.transfer(stay, at + dt.timedelta(minutes=1), unit.code)
                self.schedule(at + dt.timedelta(days=self.draw_days(unit)), "next", stay)
                return
            passage = replace(passage, mode_sortie="7")  # no bed: transferred to another MCO
        stay.ed = passage
        stay.mode_sortie = passage.mode_sortie
        stay.destination = passage.destination
        stay.discharge_code = passage.orient if passage.orient in ("PSA", "REO") else ""
        self.discharge(stay, at)

    def _ward_for(self, orient: str) -> Unit | None:
        kinds = _ORIENT_KINDS.get(orient, ("medicine",))
        units = [u for u in self.hospital.units if u.kind in kinds and u.beds]
        free = [u for u in units if self.free[u.code]]
        return self.rng.choice(free) if free else None
