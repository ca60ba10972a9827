package io.lbkit.health;

import io.lbkit.core.Endpoint;
import io.lbkit.core.Server;
import io.lbkit.core.ServerGroup;
import io.lbkit.core.ServerState;
import io.lbkit.core.Snapshot;
import io.lbkit.core.Ticker;
import io.lbkit.internal.Checks;
import io.lbkit.internal.Durations;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Active and passive health checks of one {@link ServerGroup}, with HAProxy's semantics: a TCP
 * connect or an HTTP request every {@code check-interval} ({@code inter}), {@code rise}
 * successes to come UP, {@code fall} failures to go DOWN, {@code check-fastinter} while a server
 * is changing state and {@code check-downinter} while it is DOWN; request failures reported by
 * adapters count too ({@code observe layer4}, {@code error-limit}).
 *
 * <pre>{@code
 * HealthChecker checks = HealthChecker.builder()
 *     .check(CheckType.HTTP).checkPath("/health")
 *     .build(group);          // starts checking, closed by group.close()
 * }</pre>
 *
 * <p>Every check runs on non-blocking sockets; scheduling and timeouts run on
 * {@link ServerGroup#scheduler()}, so a group with a thousand servers still uses no thread of its
 * own beyond that scheduler. Only servers with an address that are not in maintenance are checked;
 * the checker follows the group's snapshots, so a server that gets an address is checked at once
 * and one that loses it stops being checked.
 */
public final class HealthChecker implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HealthChecker.class);

  private final ServerGroup group;
  private final ScheduledExecutorService scheduler;
  private final Ticker ticker;
  private final CheckType type;
  private final HttpCheck http;
  private final long interNanos;
  private final long fastinterNanos;
  private final long downinterNanos;
  private final long connectTimeoutNanos;
  private final long responseTimeoutNanos;
  private final boolean responseTimeoutFromStart;
  private final int rise;
  private final int fall;
  private final Consumer<Server> onLayer4Failure;
  private final String description;
  private final Consumer<Snapshot> listener = s -> submit(this::sync);

  private final Map<Integer, Target> targets = new HashMap<>(); // by slot; guarded by this
  private boolean closed;

  private HealthChecker(Builder b, ServerGroup group, int rise, int fall) {
    this.group = group;
    this.scheduler = group.scheduler();
    this.ticker = group.ticker();
    this.type = b.type;
    this.http = type == CheckType.HTTP ? new HttpCheck(b.method, b.path, b.version, b.expect) : null;
    this.interNanos = b.inter.toNanos();
    this.fastinterNanos = (b.fastinter == null ? b.inter : b.fastinter).toNanos();
    this.downinterNanos = (b.downinter == null ? b.inter : b.downinter).toNanos();
    long connect = b.timeoutConnect == null ? interNanos : Math.min(b.timeoutConnect.toNanos(), interNanos);
    this.connectTimeoutNanos = connect;
    // HAProxy: without "timeout check" inter bounds the whole check; with it, it bounds the reply
    this.responseTimeoutFromStart = b.timeout == null;
    this.responseTimeoutNanos = b.timeout == null ? interNanos : b.timeout.toNanos();
    this.rise = rise;
    this.fall = fall;
    this.onLayer4Failure = b.onLayer4Failure;
    this.description = b.describe(rise, fall, group.errorLimit());
  }

  /** A builder with HAProxy's defaults: TCP check, inter 2s, observe layer4 (rise and fall: the group's). */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder configured from settings named as in {@link HealthOptions}; an unknown key fails. */
  public static Builder from(Map<String, String> settings) {
    Builder b = new Builder();
    settings.forEach(b::set);
    return b;
  }

  /** Stops every check; a check in flight is abandoned and its result ignored. Idempotent. */
  @Override
  public void close() {
    List<Target> stop;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      stop = new ArrayList<>(targets.values());
      targets.clear();
    }
    group.removeListener(listener);
    for (Target t : stop) {
      t.stop();
    }
  }

  @Override
  public String toString() {
    return "HealthChecker{" + group.name() + ": " + description + "}";
  }

  /** HAProxy's {@code srv_getinter}: inter when fully up, downinter when fully down, else fastinter. */
  long intervalNanos(int health) {
    if (health >= rise + fall - 1) {
      return interNanos;
    }
    return health <= 0 ? downinterNanos : fastinterNanos;
  }

  private void submit(Runnable task) {
    try {
      scheduler.execute(task);
    } catch (RejectedExecutionException e) {
      log.debug("{}: scheduler is shut down; health check task dropped", group.name());
    }
  }

  /** Starts checking new servers, stops checking servers gone, from the group's current snapshot. */
  private void sync() {
    Snapshot snapshot = group.snapshot();
    List<Target> stop = new ArrayList<>();
    List<Target> start = new ArrayList<>();
    synchronized (this) {
      if (closed) {
        return;
      }
      Set<Integer> seen = new LinkedHashSet<>();
      for (Server s : snapshot.servers()) {
        boolean wanted = s.endpoint() != null && s.state() != ServerState.MAINT;
        Target t = targets.get(s.slot());
        if (t != null && (!wanted || !t.endpoint.equals(s.endpoint()))) {
          targets.remove(s.slot());
          stop.add(t);
          t = null;
        }
        if (wanted) {
          seen.add(s.slot());
          if (t == null) {
            t = new Target(s);
            targets.put(s.slot(), t);
            start.add(t);
          } else {
            t.server = s;
          }
        }
      }
      targets.keySet().removeIf(slot -> {
        if (!seen.contains(slot)) {
          stop.add(targets.get(slot));
          return true;
        }
        return false;
      });
      // spread first checks over the first interval: the first new server at once, the others after it
      for (int i = 0; i < start.size(); i++) {
        Target t = start.get(i);
        t.schedule(intervalNanos(t.server.stats().health()) * i / start.size());
      }
    }
    for (Target t : stop) {
      t.stop();
      log.debug("{}/{}: no longer checked ({})", group.name(), t.server.name(), t.endpoint.authority());
    }
  }

  /** Passive checks failed a check: check again within fastinter, as HAProxy does. */
  private void onPassiveFailCheck(Server server) {
    submit(() -> {
      synchronized (this) {
        Target t = targets.get(server.slot());
        if (!closed && t != null && t.endpoint.equals(server.endpoint())) {
          t.expedite(fastinterNanos);
        }
      }
    });
  }

  /** The check task of one slot; a package-visible type so tests can tell it from timeouts. */
  final class CheckTask implements Runnable {
    final Target target;

    CheckTask(Target target) {
      this.target = target;
    }

    int slot() {
      return target.server.slot();
    }

    @Override
    public void run() {
      target.run();
    }
  }

  /** One checked slot with its endpoint; replaced when the slot gets another endpoint. */
  final class Target {
    final Endpoint endpoint;
    volatile Server server;
    private ScheduledFuture<?> next; // guarded by HealthChecker.this
    private Probe probe; // guarded by HealthChecker.this
    private boolean stopped; // guarded by HealthChecker.this
    private boolean expedite; // guarded by HealthChecker.this: a passive fail-check came between checks

    Target(Server server) {
      this.server = server;
      this.endpoint = server.endpoint();
    }

    /** Schedules the next check; caller holds the checker's lock. */
    void schedule(long delayNanos) {
      if (stopped) {
        return;
      }
      if (expedite) {
        expedite = false;
        delayNanos = Math.min(delayNanos, fastinterNanos);
      }
      try {
        next = scheduler.schedule(new CheckTask(this), delayNanos, TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        log.debug("{}: scheduler is shut down; checks of {} stop", group.name(), server.name());
      }
    }

    /** Moves the next check earlier to within {@code delayNanos}; caller holds the lock. */
    void expedite(long delayNanos) {
      if (next == null) {
        expedite = true; // a check is running or about to be rescheduled: its successor comes soon
      } else if (probe == null && next.getDelay(TimeUnit.NANOSECONDS) > delayNanos && next.cancel(false)) {
        schedule(delayNanos);
      }
    }

    void stop() {
      Probe p;
      synchronized (HealthChecker.this) {
        stopped = true;
        if (next != null) {
          next.cancel(false);
        }
        p = probe;
        probe = null;
      }
      if (p != null) {
        p.abort();
      }
    }

    void run() {
      Probe p;
      long start = ticker.read();
      synchronized (HealthChecker.this) {
        if (stopped || closed) {
          return;
        }
        next = null;
        String host = endpoint.hostname() != null ? endpoint.hostname() + ":" + endpoint.port() : endpoint.authority();
        p = new Probe(new InetSocketAddress(endpoint.address(), endpoint.port()), http, host, scheduler,
            connectTimeoutNanos, responseTimeoutNanos, responseTimeoutFromStart,
            result -> submit(() -> completed(result, ticker.read() - start)));
        probe = p;
      }
      p.start();
    }

    private void completed(Probe.Result result, long durationNanos) {
      synchronized (HealthChecker.this) {
        if (stopped || closed) {
          return; // the slot lost this endpoint or went to maintenance: the result means nothing now
        }
        probe = null;
      }
      Server s = server;
      if (log.isDebugEnabled()) {
        log.debug("{}/{} check {}: {} ({})", group.name(), s.name(), endpoint.authority(), result.status(),
            result.detail());
      }
      // outside our lock: the group publishes to listeners, and our listener only submits a task
      group.recordCheck(s, result.ok(), result.status(), durationNanos);
      if (result.layer4Failure() && onLayer4Failure != null) {
        try {
          onLayer4Failure.accept(s);
        } catch (RuntimeException e) {
          log.warn("{}/{}: layer-4 failure hook failed", group.name(), s.name(), e);
        }
      }
      synchronized (HealthChecker.this) {
        if (!stopped && !closed) {
          schedule(intervalNanos(s.stats().health()));
        }
      }
    }
  }

  /**
   * Configures a {@link HealthChecker}. Every setter validates at once and names the setting in
   * its message ({@code check-interval: 0ms (expected: > 0)}); {@link #set} maps the setting names
   * of {@link HealthOptions} onto the setters, so init-params and CLI flags get the same checks.
   */
  public static final class Builder {
    private CheckType type = CheckType.TCP;
    private Duration inter = Duration.ofSeconds(2);
    private Duration fastinter;
    private Duration downinter;
    private Duration timeout;
    private Duration timeoutConnect;
    private String method = "OPTIONS";
    private String path = "/";
    private String version = "HTTP/1.0";
    private int[] expect = {200, 399};
    private boolean httpOptionSet;
    private Observe observe = Observe.LAYER4;
    private Consumer<Server> onLayer4Failure;

    private Builder() {}

    /**
     * Applies one setting by its name ({@link HealthOptions}: {@code check-interval},
     * {@code observe}...), as a filter init-param or CLI flag would.
     *
     * @throws io.lbkit.option.OptionException for an unknown key or a bad value, naming both
     */
    public Builder set(String key, String value) {
      return HealthOptions.ALL.set(this, key, value);
    }

    /** The kind of active check (setting {@code check}; default {@code tcp}). */
    public Builder check(CheckType type) {
      this.type = Checks.notNull("check", type);
      return this;
    }

    /** Time between checks of a fully UP server, HAProxy {@code inter} (setting {@code check-interval}; default 2s). */
    public Builder checkInterval(Duration inter) {
      this.inter = HealthOptions.CHECK_INTERVAL.check(inter);
      return this;
    }

    /**
     * Time between checks while a server is going up or down, and before its first check, HAProxy
     * {@code fastinter} (setting {@code check-fastinter}; default: the check interval).
     */
    public Builder checkFastinter(Duration fastinter) {
      this.fastinter = HealthOptions.CHECK_FASTINTER.check(fastinter);
      return this;
    }

    /** Time between checks of a fully DOWN server, HAProxy {@code downinter} (setting {@code check-downinter}; default: the check interval). */
    public Builder checkDowninter(Duration downinter) {
      this.downinter = HealthOptions.CHECK_DOWNINTER.check(downinter);
      return this;
    }

    /**
     * How long to wait for the HTTP response once connected, HAProxy {@code timeout check}
     * (setting {@code check-timeout}). Unset (default), the check interval bounds the whole check.
     */
    public Builder checkTimeout(Duration timeout) {
      this.timeout = HealthOptions.CHECK_TIMEOUT.check(timeout);
      return this;
    }

    /** Connect timeout; checks use min(this, check-interval) (setting {@code timeout-connect}; default unset). */
    public Builder timeoutConnect(Duration timeoutConnect) {
      this.timeoutConnect = HealthOptions.TIMEOUT_CONNECT.check(timeoutConnect);
      return this;
    }

    /** The HTTP check's method (setting {@code check-method}; default {@code OPTIONS}, as HAProxy). */
    public Builder checkMethod(String method) {
      this.method = HttpCheck.parseMethod(method == null ? null : method.trim());
      this.httpOptionSet = true;
      return this;
    }

    /** The HTTP check's path (setting {@code check-path}; default {@code /}). */
    public Builder checkPath(String path) {
      this.path = HttpCheck.parsePath(path == null ? null : path.trim());
      this.httpOptionSet = true;
      return this;
    }

    /**
     * The HTTP check's version (setting {@code check-version}; {@code HTTP/1.0} by default, as
     * HAProxy; {@code HTTP/1.1} sends a {@code Host} header: the endpoint's host name, else its address).
     */
    public Builder checkVersion(String version) {
      this.version = HttpCheck.parseVersion(version);
      this.httpOptionSet = true;
      return this;
    }

    /** The status codes that pass the HTTP check (setting {@code check-expect}; default {@code 200-399}). */
    public Builder checkExpect(String expect) {
      this.expect = HttpCheck.parseExpect(expect);
      this.httpOptionSet = true;
      return this;
    }

    /** What passive checks watch (setting {@code observe}; default {@code layer4}). */
    public Builder observe(Observe observe) {
      this.observe = Checks.notNull("observe", observe);
      return this;
    }

    /**
     * Called after each layer-4 check failure ({@code L4CON}, {@code L4TOUT}), on the scheduler
     * thread; HAProxy re-resolves the server's DNS name then. Must be quick; exceptions are logged.
     */
    public Builder onLayer4Failure(Consumer<Server> hook) {
      this.onLayer4Failure = Checks.notNull("onLayer4Failure", hook);
      return this;
    }

    /**
     * Starts checking {@code group}'s servers and attaches the checker to it, so
     * {@link ServerGroup#close()} closes it. With {@code check none}, nothing is checked and the
     * group is left as it is.
     */
    public HealthChecker build(ServerGroup group) {
      Objects.requireNonNull(group, "group");
      int r = group.rise();
      int f = group.fall();
      if (httpOptionSet && type != CheckType.HTTP) {
        log.warn("{}: check-method/check-path/check-version/check-expect have no effect with check {}", group.name(),
            type.value());
      }
      HealthChecker checker = new HealthChecker(this, group, r, f);
      if (type == CheckType.NONE) {
        log.info("{}: health checks off (check none)", group.name());
        checker.closed = true;
        return checker;
      }
      group.enableHealthChecks(observe == Observe.LAYER4, checker::onPassiveFailCheck);
      log.info("{}: health checks {}", group.name(), checker.description);
      group.attach(checker);
      group.addListener(checker.listener);
      return checker;
    }

    /** The settings; {@code rise}/{@code fall}/{@code error-limit} are the group's, shown once built. */
    private String describe(int r, int f, int errorLimit) {
      StringBuilder sb = new StringBuilder("check=").append(type.value());
      if (type == CheckType.HTTP) {
        sb.append(" ").append(method).append(' ').append(path).append(' ').append(version)
            .append(" check-expect=").append(HttpCheck.formatExpect(expect));
      }
      sb.append(" check-interval=").append(Durations.format(inter));
      if (fastinter != null) {
        sb.append(" check-fastinter=").append(Durations.format(fastinter));
      }
      if (downinter != null) {
        sb.append(" check-downinter=").append(Durations.format(downinter));
      }
      if (timeout != null) {
        sb.append(" check-timeout=").append(Durations.format(timeout));
      }
      if (timeoutConnect != null) {
        sb.append(" timeout-connect=").append(Durations.format(timeoutConnect));
      }
      if (r > 0) {
        sb.append(" rise=").append(r).append(" fall=").append(f);
      }
      sb.append(" observe=").append(observe.value());
      if (observe != Observe.NONE && errorLimit > 0) {
        sb.append(" error-limit=").append(errorLimit);
      }
      return sb.toString();
    }

    @Override
    public String toString() {
      return "HealthChecker.Builder{" + describe(0, 0, 0) + "}";
    }
  }
}
