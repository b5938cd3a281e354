# Sourced by every benchmark script after it changes to the repository: refuses to measure beside other work — a
# server or load generator left running, a build, a test run — because on a two-core machine that work shares the
# cores and skews every figure. BENCH_ALLOW_BUSY=1 measures anyway.
busy=$(ps -eo pid=,args= | grep -E "kite (serve|server)( |$)|(^|/| )[w]rk |uvicorn|feast serve|mlflow server|swift-build|swift-frontend|kitePackageTests" | grep -v grep || true)
if [ -n "$busy" ] && [ "${BENCH_ALLOW_BUSY:-0}" != 1 ]; then
    echo "other work is running, and a benchmark on this machine would measure it too:" >&2
    echo "$busy" >&2
    echo "stop it first, or set BENCH_ALLOW_BUSY=1 to measure anyway" >&2
    exit 1
fi
