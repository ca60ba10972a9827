package io.lbkit.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs every benchmark once, in-process, with a tiny time budget, so that none of them rots: each
 * must set up (their {@code @Setup} checks that they measure what they claim), run, and report an
 * allocation figure. Says nothing about speed; timings belong to {@code run.sh}.
 */
class BenchmarksSmokeTest {
  /** Every benchmark method with each of its parameter values, as JMH labels them. */
  private static final Set<String> EXPECTED = new TreeSet<>(Set.of(
      "RoundRobinSelect.lbkit servers=3", "RoundRobinSelect.lbkit servers=100",
      "RoundRobinSelect.armeria servers=3", "RoundRobinSelect.armeria servers=100",
      "RoundRobinSelect.springCloud servers=3", "RoundRobinSelect.springCloud servers=100",
      "RoundRobinSelect.ribbon servers=3", "RoundRobinSelect.ribbon servers=100",
      "LeastConnSelect.lbkit servers=3", "LeastConnSelect.lbkit servers=100",
      "LeastConnSelect.ribbon servers=3", "LeastConnSelect.ribbon servers=100",
      "StickySelect.siphash", "StickySelect.hmac", "StickySelect.haproxy", "StickySelect.split",
      "CookieCodec.siphash", "CookieCodec.hmac", "CookieCodec.haproxy",
      "SnapshotRebuild.lbkit servers=10", "SnapshotRebuild.lbkit servers=1000", "SnapshotRebuild.lbkit servers=10000",
      "StickTableSelect.stickTable", "StickTableSelect.routeSuffix",
      "SpringChoose.lbkit", "SpringChoose.lbkitSelect", "SpringChoose.springCloud",
      "SpringStickyChoose.lbkit", "SpringStickyChoose.lbkitSelect", "SpringStickyChoose.springCloud",
      "PeersLookup.localTable", "PeersLookup.nearCache"));

  @Test
  void everyBenchmarkRunsOnceAndReportsAllocation() throws RunnerException {
    Options options = new OptionsBuilder()
        .include("io\\.lbkit\\.benchmarks\\.")
        .forks(0) // in-process: the test JVM already has the classpath
        .threads(1)
        .warmupIterations(1)
        .warmupTime(TimeValue.milliseconds(10))
        .measurementIterations(1)
        .measurementTime(TimeValue.milliseconds(20))
        .addProfiler(GCProfiler.class)
        .shouldFailOnError(true)
        .build();

    Collection<RunResult> results = new Runner(options).run();

    Set<String> ran = results.stream().map(BenchmarksSmokeTest::label).collect(Collectors.toCollection(TreeSet::new));
    assertThat(ran).isEqualTo(EXPECTED);
    for (RunResult r : results) {
      assertThat(r.getPrimaryResult().getSampleCount()).as(label(r)).isPositive();
      assertThat(r.getSecondaryResults()).as(label(r) + " secondary results").containsKey("gc.alloc.rate.norm");
    }
  }

  private static String label(RunResult r) {
    String method = r.getParams().getBenchmark();
    String name = method.substring("io.lbkit.benchmarks.".length());
    StringBuilder sb = new StringBuilder(name);
    for (String key : r.getParams().getParamsKeys()) {
      sb.append(' ').append(key).append('=').append(r.getParams().getParam(key));
    }
    return sb.toString();
  }
}
