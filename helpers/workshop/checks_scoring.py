"""Self-checks of module 4 (``04_mql_classifier``): labels, leaks, scorers, the MQL threshold."""

from __future__ import annotations

import numpy as np

from helpers.workshop.checks_base import ModuleChecks
from helpers.workshop.results import (
    CheckResult,
    check_bool,
    check_choice,
    check_number,
    check_set,
    checked,
    combine,
)


class ScoringChecks(ModuleChecks):
    """Exercises 4.1-4.6: the label, the leakage check, the scorers and the points table.

    Expected answers come from :func:`helpers.scoring.build_labels`,
    :func:`helpers.scoring.fit_scorers` and the scoring helpers, with the label, split,
    agreed-rule and capacity settings of ``params`` and ``params.seed``.
    """

    def _labels(self):
        from helpers import scoring

        d, p = self.data, self.params
        return self._cached(
            "labels",
            lambda: scoring.build_labels(
                d.leads, d.opportunities, label_stage=p.label_stage, horizon_days=p.horizon_days,
                score_after_days=p.score_after_days, activities=d.activities,
                stages=d.config.stages,
            ),
        )

    def _raw_features(self):
        from helpers import scoring

        def compute():
            d, labels = self.data, self._labels()
            icp_def, _ = scoring.recompute_icp(d)
            tiers = scoring.icp_tiers_for_leads(d.leads, d.accounts, icp_def)
            return scoring.build_features(
                d.leads, labels.table["scoring_moment"], accounts=d.accounts,
                activities=d.activities, icp_tiers=tiers,
            )

        return self._cached("raw_features", compute)

    def _features_and_leaks(self):
        from helpers import scoring

        def compute():
            labels, features, p = self._labels(), self._raw_features(), self.params
            split = scoring.time_split(labels, test_share=p.test_share, seed=p.seed)
            leaks = scoring.find_leaks(
                features, labels, split, max_auc=p.max_single_auc, seed=p.seed
            )
            return scoring.drop_leaks(features, leaks), leaks, split

        return self._cached("features", compute)

    def _scorers(self):
        from helpers import scoring

        def compute():
            features, _, split = self._features_and_leaks()
            rule = scoring.RuleSpec(
                tiers=tuple(self.params.rule_tiers), min_touches=self.params.rule_min_touches
            )
            return scoring.fit_scorers(
                features, self._labels(), split, rule=rule, seed=self.params.seed
            )

        return self._cached("scorers", compute)

    def _capacity(self):
        from helpers import scoring

        def compute():
            scorers, labels = self._scorers(), self._labels()
            weekly = scoring.weekly_lead_inflow(labels.table["created_at"], as_of=labels.as_of)
            return scoring.capacity_threshold(
                scorers.predictions[scorers.best], scorers.y_test, weekly_leads=weekly,
                sales_reps=self.params.sales_reps,
                leads_per_rep_per_week=self.params.leads_per_rep_per_week,
            )

        return self._cached("capacity", compute)

    def _points(self):
        from helpers import scoring

        return self._cached(
            "points",
            lambda: scoring.fit_points_table(
                self._features_and_leaks()[0], self._labels(), self._scorers(),
                mql_share=self._capacity().share_of_leads,
            ),
        )

    @checked("4.1", "the label counts: conversions / leads of the 'eligible' row.")
    def mql_base_rate(self, base_rate) -> CheckResult:
        """Exercise 4.1: the conversion rate of the leads old enough to be labelled."""
        labels = self._labels()
        return check_number(
            "4.1", base_rate, labels.n_conversions / labels.n_eligible,
            what="the conversion rate of the labelled leads", fraction=True, rel_tol=0.005,
            decimals=3,
            hint="divide the conversions by the leads old enough to be labelled (eligible): "
            "leads too young to know are not failures.",
            code_hint="labels.n_conversions / labels.n_eligible",
            mistakes=[(
                labels.n_conversions / len(labels.table),
                "that divides by every lead: leads too young to know are not failures.",
            )],
        )

    @checked("4.2", "the leak report: the fields marked as leaks.")
    def mql_leaky_fields(self, leaky) -> CheckResult:
        """Exercise 4.2: the fields the leakage check excludes."""
        leaks = self._features_and_leaks()[1]
        flagged = leaks.loc[leaks["leak"].astype(bool), "feature"].tolist()
        if isinstance(leaky, str):
            leaky = [leaky]
        return check_set(
            "4.2", leaky, flagged,
            what="the fields that leak the outcome",
            hint="look for a field filled mostly for converted leads, "
            "or one that alone predicts almost perfectly.",
            code_hint='leaks.loc[leaks["leak"], "feature"].tolist()',
            right="those fields are filled because the lead converted: "
            "kept, they would fake a brilliant score.",
        )

    @checked("4.3", "the scorers table: the largest roc_auc, minus the agreed rule's.")
    def mql_best_scorer(self, best_scorer, auc_gain) -> CheckResult:
        """Exercise 4.3: the scorer with the best ROC AUC, and its gain over the agreed rule."""
        metrics = self._scorers().metrics.set_index("scorer")["roc_auc"]
        best = metrics[metrics == metrics.max()].index.tolist()
        first = check_choice(
            "4.3", best_scorer, best,
            what="the scorer that ranks the test leads best",
            hint="the scorer with the highest ROC AUC (1 = perfect ranking, 0.5 = a coin).",
            code_hint='scorers.metrics.set_index("scorer")["roc_auc"].idxmax()',
            options=list(metrics.index),
        )
        second = check_number(
            "4.3", auc_gain, float(metrics.max() - metrics["agreed rule"]),
            what="its ROC AUC gain over the agreed rule", abs_tol=0.002, rel_tol=0, decimals=3,
            hint="subtract the agreed rule's ROC AUC from the best one (in AUC units, e.g. 0.05).",
            code_hint='auc.max() - auc["agreed rule"]',
        )
        return combine(
            "4.3",
            [first, second],
            "right scorer, and the right gain over the rule both teams use today.",
        )

    @checked(
        "4.4",
        "share = reps x MQLs per rep / weekly leads; cut-off: the capacity table's probability.",
    )
    def mql_capacity(self, mql_share, cutoff) -> CheckResult:
        """Exercise 4.4: the MQL share sales can work, and the score cut-off that gives it."""
        cap, p = self._capacity(), self.params
        share = min(1.0, p.sales_reps * p.leads_per_rep_per_week / cap.weekly_leads)
        first = check_number(
            "4.4", mql_share, share,
            what="the share of new leads sales can work as MQLs", fraction=True, rel_tol=0.01,
            decimals=3,
            hint="reps x MQLs each rep can work a week, divided by the new leads a week.",
            code_hint="min(1, sales_reps * leads_per_rep_per_week / weekly_leads)",
        )
        scores = self._scorers().predictions[self._scorers().best]
        second = check_number(
            "4.4", cutoff, cap.probability,
            what="the score cut-off for that share", rel_tol=0.02, decimals=3,
            hint="the score above which exactly that top share of the test leads sits "
            "(the top 20% starts at the 80th percentile).",
            code_hint="np.quantile(p_test, 1 - mql_share)",
            mistakes=[(
                float(np.quantile(scores, share)),
                "that quantile keeps the bottom of the scores: use 1 - share.",
            )],
        )
        return combine(
            "4.4", [first, second], "the threshold now follows what sales can actually work."
        )

    @checked("4.5", "the points chart's threshold, and the attribute with the widest spread.")
    def mql_points(self, threshold_points, top_attribute) -> CheckResult:
        """Exercise 4.5: the MQL threshold in points, and the attribute whose points spread most."""
        points = self._points()
        imp = points.importance
        top = imp[imp["points_range"] == imp["points_range"].max()]
        first = check_number(
            "4.5", threshold_points, points.threshold_points,
            what="the MQL threshold in points", abs_tol=0, rel_tol=0, decimals=0,
            hint="the smallest total of points a lead needs to be an MQL, for the share of "
            "leads sales can work.",
            code_hint="points.threshold_points",
        )
        second = check_choice(
            "4.5", top_attribute, top["feature"].tolist() + top["label"].tolist(),
            what="the attribute with the widest spread of points",
            hint="the attribute whose best and worst values are furthest apart in points.",
            code_hint='points.importance["feature"].iloc[0]',
        )
        return combine(
            "4.5", [first, second], "you can read the MQL definition both teams would sign."
        )

    @checked("4.6", "the agreement table: auc_points, against auc_best_model.")
    def mql_sign_points(self, auc_points, sign) -> CheckResult:
        """Exercise 4.6: the points table's AUC, and whether it is within 0.03 of the best model."""
        agreement = self._points().agreement
        first = check_number(
            "4.6", auc_points, agreement["auc_points"],
            what="the points table's ROC AUC on the test leads", abs_tol=0.002, rel_tol=0,
            decimals=3,
            hint="the points table's ROC AUC, measured on the same later leads as the models.",
            code_hint='points.agreement["auc_points"]',
        )
        second = check_bool(
            "4.6", sign, agreement["auc_best_model"] - agreement["auc_points"] <= 0.03,
            what="whether the points table stays within 0.03 AUC of the best model",
            hint="subtract the points table's AUC from the best model's and compare with 0.03.",
            code_hint='points.agreement["auc_best_model"] - auc_points <= 0.03',
        )
        return combine("4.6", [first, second], "an explicit definition, priced in ranking quality.")
