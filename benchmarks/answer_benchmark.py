"""Benchmark the answer engine: accuracy, warm latency, cold start, peak memory.

    python benchmarks/answer_benchmark.py [--config policies/demo_schools.yaml] [--runs 5]

Accuracy is scored as eval/score.py scores it (a cited snippet in the first
three sources, or an abstention for out-of-scope questions) on the dev set and
on the held-out sets (tests/policies/questions/<school>.yaml) and on the validation set
(tests/policies/questions/validation.yaml). Warm latency is per question on
a built engine; cold start is a fresh ``python -m bot ask`` process answering
one question; peak RSS is this process's (engine built, every question asked)
and the largest cold-start child's. Measured with the standard library only.
"""

from __future__ import annotations

import argparse
import dataclasses
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


from bot.config import load_config, policy_sources  # noqa: E402
from policies.answer import Audience  # noqa: E402
from policies.documents import load_policy  # noqa: E402
from policies.engine import AnswerEngine, PolicySource  # noqa: E402
from policies.evaluation import Score, load_questions, score  # noqa: E402
from policies.faq import Faq, load_faq  # noqa: E402
from policies.knowledge import Knowledge  # noqa: E402

# sets written without reading the FAQ files
INDEPENDENT = ("validation", "fresh", "fresh2", "fresh3", "fresh4", "fresh5")


def question_sets() -> dict[str, list[dict[str, Any]]]:
    """dev, the per-school held-out files, and each independently written set."""
    folder = ROOT / "tests" / "policies" / "questions"
    independent = [p for p in sorted(folder.glob("*.yaml")) if p.stem in INDEPENDENT]
    held_out = [p for p in sorted(folder.glob("*.yaml")) if p.stem not in INDEPENDENT]
    sets = {"dev": load_questions([ROOT / "eval" / "dev_questions.yaml"]),
            "held-out": load_questions(held_out)}
    sets.update({path.stem: load_questions([path]) for path in independent})
    return sets


def leave_one_out(sources: list[PolicySource], sets: dict[str, list[dict[str, Any]]]) -> None:
    """Each school as a new school: built with no FAQ file, asked in the words of the other
    four schools' FAQs only (its own paraphrases are in no shared model), scored on its
    independently written questions."""
    faqs = {s.slug: load_faq(s.faq_path, [load_policy(p) for p in s.policy_paths], school=s.slug)
            for s in sources if s.faq_path is not None}
    knowledge = Knowledge.from_faqs(faqs.values())
    independent = [q for name in INDEPENDENT for q in sets.get(name, [])]
    totals = [0, 0, 0, 0]
    own = [0, 0, 0, 0]
    for source in sources:
        engine = AnswerEngine.build([dataclasses.replace(source, faq_path=None)],
                                    knowledge.without(source.slug))
        result = score(engine, [q for q in independent if q["school"] == source.slug])
        totals = [a + b for a, b in zip(totals, dataclasses.astuple(result), strict=True)]
        faq = faqs.get(source.slug)
        asked = score(engine, faq_questions(faq) if faq else [])
        own = [a + b for a, b in zip(own, dataclasses.astuple(asked), strict=True)]
        print(f"  new school {source.slug}: {result}")
    print(f"  new school, all five: {Score(*totals)}")
    print(f"  new school, asked its own FAQ's questions (the tuning set): "
          f"answered correctly {own[0]}/{own[1]} ({own[0] / max(own[1], 1):.1%})")


def faq_questions(faq: Faq) -> list[dict[str, Any]]:
    """A curated FAQ's questions as a question set: each expects the entry's clauses. Asked of
    the school built without that FAQ, they are questions its FAQ did not teach the engine:
    the set new-school changes are tuned on, so that the independent sets stay held out."""
    return [
        {"school": faq.school, "q": question, "expect": [c.text for c in entry.sources],
         "audience": "parent" if entry.audiences == {Audience.PARENT} else "staff"}
        for entry in faq.entries for question in entry.questions
    ]


def latency(engine: AnswerEngine, questions: list[dict[str, Any]], rounds: int) -> str:
    """Wall-clock p50/p95 per answer, and the CPU-time p95 (which other work on a shared
    machine does not inflate)."""
    timings, cpu = [], []
    for _ in range(rounds):
        for item in questions:
            started, started_cpu = time.perf_counter(), time.process_time()
            engine.answer(
                school=item["school"], question=item["q"],
                audience=Audience(item.get("audience", "staff")),
            )
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
    timings.sort()
    cpu.sort()
    p95 = timings[int(len(timings) * 0.95) - 1]
    cpu_p95 = cpu[int(len(cpu) * 0.95) - 1]
    return (f"p50 {statistics.median(timings):.2f} ms, p95 {p95:.2f} ms; CPU p95 "
            f"{cpu_p95:.2f} ms ({len(timings)} answers)")


def cold_start(config: Path, runs: int) -> str:
    command = [sys.executable, "-m", "bot", "ask", "Can I friend a parent?", "--school",
               "croughton", "--json"]
    env = {"POLICYBOT_CONFIG": str(config), "PATH": "/usr/bin:/bin"}
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)
        timings.append(time.perf_counter() - started)
    child_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return (
        f"median {statistics.median(timings):.2f} s, max {max(timings):.2f} s over {runs} runs; "
        f"peak RSS of a cold ask {child_rss:.0f} MiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=ROOT / "policies" / "demo_schools.yaml")
    parser.add_argument("--runs", type=int, default=5, help="cold starts to time")
    parser.add_argument("--rounds", type=int, default=20, help="passes over the questions")
    args = parser.parse_args()
    started = time.perf_counter()
    sources = policy_sources(load_config(args.config))
    engine = AnswerEngine.build(sources)
    build = time.perf_counter() - started
    sets = question_sets()
    print(f"schools: {', '.join(engine.schools())}; engine built in {build:.2f} s")
    for name, questions in sets.items():
        print(f"{name} ({len(questions)} questions): {score(engine, questions)}")
    independent = [q for name in INDEPENDENT for q in sets[name]]
    print(f"demo schools, independent sets ({len(independent)} questions): "
          f"{score(engine, independent)}")
    print("leave one school out (no FAQ, other schools' FAQs only), independent sets:")
    leave_one_out(sources, sets)
    everything = [q for questions in sets.values() for q in questions]
    print(f"warm latency: {latency(engine, everything, args.rounds)}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS (this process, engine built, all questions asked): {rss:.0f} MiB")
    print(f"cold start of `policybot ask`: {cold_start(args.config, args.runs)}")


if __name__ == "__main__":
    main()
