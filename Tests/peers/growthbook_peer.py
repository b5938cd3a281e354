"""GrowthBook's own SDK and statistics for the A/B testing tests.

  assign CONFIGS_JSON COUNT     for each config ({weights, coverage, seed, hashVersion, namespace?}) the variation
                                GrowthBook gives ids 0…COUNT-1 (as "user-N", every 7th with non-ASCII text),
                                one character per id ('-' when not in the experiment), a line per config
  srm CASES_JSON                gbstats.check_srm's p-value for each [units, weights] case, a JSON list
  ttest CASES_JSON              gbstats' TwoSidedTTest / SequentialTwoSidedTTest for each {a, b, difference, alpha,
                                sequential} case: expected, ci, p_value, stddev, error (a JSON list)
  bayes CASES_JSON              gbstats' EffectBayesianABTest for each {a, b, difference, alpha, inverse, prior}
                                case: chance_to_win, expected, stddev, ci, risk, error (a JSON list)
  cuped CASES_JSON              TwoSidedTTest on regression-adjusted statistics ({post, pre, products} per arm)
"""
import json
import sys


def unit(i):
    return f"user-{i}" if i % 7 else f"usér-{i}-😀"


def statistic(spec):
    from gbstats.models.statistics import ProportionStatistic, SampleMeanStatistic

    if spec["kind"] == "proportion":
        return ProportionStatistic(n=spec["n"], sum=spec["sum"])
    return SampleMeanStatistic(n=spec["n"], sum=spec["sum"], sum_squares=spec["sum_squares"])


if sys.argv[1] == "assign":
    from growthbook import Experiment, GrowthBook
    from growthbook.core import chooseVariation, gbhash, getBucketRanges, inNamespace

    configs, count = json.loads(sys.argv[2]), int(sys.argv[3])
    for config in configs:
        namespace = tuple(config["namespace"]) if config.get("namespace") else None
        ranges = getBucketRanges(len(config["weights"]), config["coverage"], config["weights"])
        out = []
        for i in range(count):
            uid = unit(i)
            if namespace and not inNamespace(uid, namespace):
                out.append("-")
                continue
            n = gbhash(config["seed"], uid, config["hashVersion"])
            variation = chooseVariation(n, ranges)
            out.append("-" if variation < 0 else str(variation))
        # The SDK's public path agrees with the functions above (checked on the first 2,000 ids).
        gb = GrowthBook(attributes={})
        experiment = Experiment(key=config["seed"], variations=list(range(len(config["weights"]))), weights=config["weights"],
                                coverage=config["coverage"], hashVersion=config["hashVersion"], seed=config["seed"], namespace=namespace)
        for i in range(2000):
            gb.set_attributes({"id": unit(i)})
            result = gb.run(experiment)
            expected = "-" if out[i] == "-" else out[i]
            got = str(result.variationId) if result.inExperiment else "-"
            assert got == expected, (config, i, got, expected)
        print("".join(out))
elif sys.argv[1] == "srm":
    from gbstats.gbstats import check_srm

    print(json.dumps([check_srm(units, weights) for units, weights in json.loads(sys.argv[2])]))
elif sys.argv[1] == "ttest":
    from gbstats.frequentist.tests import FrequentistConfig, SequentialConfig, SequentialTwoSidedTTest, TwoSidedTTest

    answers = []
    for case in json.loads(sys.argv[2]):
        a, b = statistic(case["a"]), statistic(case["b"])
        if case.get("sequential"):
            config = SequentialConfig(difference_type=case["difference"], alpha=case["alpha"], sequential_tuning_parameter=case["sequential"])
            result = SequentialTwoSidedTTest(a, b, config).compute_result()
        else:
            result = TwoSidedTTest(a, b, FrequentistConfig(difference_type=case["difference"], alpha=case["alpha"])).compute_result()
        answers.append({"expected": float(result.expected), "ci": [float(v) for v in result.ci], "p_value": float(result.p_value),
                        "stddev": float(result.uplift.stddev), "error": result.error_message})
    print(json.dumps(answers))
elif sys.argv[1] == "bayes":
    from gbstats.bayesian.tests import EffectBayesianABTest, EffectBayesianConfig, GaussianPrior

    answers = []
    for case in json.loads(sys.argv[2]):
        prior = GaussianPrior(**case["prior"])
        config = EffectBayesianConfig(difference_type=case["difference"], alpha=case["alpha"], inverse=case["inverse"], prior_effect=prior,
                                      prior_type=case["difference"])
        result = EffectBayesianABTest(statistic(case["a"]), statistic(case["b"]), config).compute_result()
        answers.append({"chance_to_win": float(result.chance_to_win), "expected": float(result.expected), "stddev": float(result.uplift.stddev),
                        "ci": [float(v) for v in result.ci], "risk": [float(v) for v in result.risk], "error": result.error_message})
    print(json.dumps(answers))
elif sys.argv[1] == "cuped":
    from gbstats.frequentist.tests import FrequentistConfig, TwoSidedTTest
    from gbstats.models.statistics import RegressionAdjustedStatistic

    def adjusted(spec):
        post, pre = statistic(spec["post"]), statistic(spec["pre"])
        return RegressionAdjustedStatistic(n=post.n, post_statistic=post, pre_statistic=pre, post_pre_sum_of_products=spec["products"], theta=0)

    answers = []
    for case in json.loads(sys.argv[2]):
        result = TwoSidedTTest(adjusted(case["a"]), adjusted(case["b"]), FrequentistConfig(difference_type=case["difference"])).compute_result()
        answers.append({"expected": float(result.expected), "ci": [float(v) for v in result.ci], "p_value": float(result.p_value),
                        "stddev": float(result.uplift.stddev), "error": result.error_message})
    print(json.dumps(answers))
