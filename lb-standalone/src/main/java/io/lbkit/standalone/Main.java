package io.lbkit.standalone;

import io.lbkit.core.Balancer;
import io.lbkit.core.Snapshot;
import io.lbkit.netty.NettyProxy;
import io.lbkit.netty.NettyProxyOptions;
import io.lbkit.option.Option;
import io.lbkit.servlet.LoadBalancerConfig;
import io.lbkit.servlet.LoadBalancingFilter;
import io.lbkit.servlet.LocalHandlerFilter;
import io.lbkit.servlet.Mode;
import jakarta.servlet.Filter;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code java -jar lb-standalone.jar}: lb-netty's {@link NettyProxy} (the default
 * {@code --engine netty}) or embedded Jetty 12 serving {@link io.lbkit.servlet.LoadBalancingFilter}
 * on every path ({@code --engine servlet}), configured by flags that are the filter's init-params
 * ({@code --backend}, {@code --cookie}, ...), or {@code --demo}, which replays the article on one
 * machine. Exit status: 0 after a clean (graceful) stop, 1 when it cannot
 * start, 2 for a bad flag or value. See {@code docs/standalone.md}.
 */
public final class Main {
  static final int OK = 0;
  static final int FAILED = 1;
  static final int USAGE = 2;

  private final PrintStream out;
  private final PrintStream err;
  /** Counted down by SIGTERM, Ctrl-C or a JVM exit: the main thread then stops gracefully. */
  private final CountDownLatch stopRequested = new CountDownLatch(1);
  /** Counted down when the main thread has stopped everything. */
  private final CountDownLatch done = new CountDownLatch(1);
  private Duration grace = Duration.ZERO;

  private Main(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  public static void main(String[] args) {
    System.exit(new Main(System.out, System.err).run(args));
  }

  private int run(String[] args) {
    String level;
    try {
      level = Cli.logLevel(args);
    } catch (Cli.UsageException e) {
      return usage(e.getMessage());
    }
    // before the first logger exists: slf4j-simple reads its settings once
    Logging.configure(level);

    List<Option<?, ?>> keys = LoadBalancerConfig.optionTable();
    Cli.Settings settings;
    try {
      settings = Cli.parse(args, keys);
    } catch (Cli.UsageException e) {
      return usage(e.getMessage());
    }
    if (settings.help()) {
      out.print(Cli.usage(keys));
      out.flush();
      return OK;
    }
    if (settings.version()) {
      out.println(Cli.version());
      return OK;
    }
    return serve(settings, keys);
  }

  private int serve(Cli.Settings s, List<Option<?, ?>> keys) {
    Logger log = LoggerFactory.getLogger(Main.class);
    grace = s.shutdownGrace();
    if (s.demo()) {
      if (s.params().containsKey("nameserver")) {
        return usage("--nameserver: not with --demo (expected: no --nameserver; the demo resolves " + Demo.SERVICE
            + " and " + Demo.SRV_NAME + " through its own DNS server)");
      }
    } else if (!s.params().containsKey("backend")) {
      return usage("--backend: not set (expected: --backend ip:port[,ip:port...], a DNS name host:port or an SRV"
          + " name _service._proto.name; or --demo; see --help)");
    }

    boolean netty = s.engine().equals(Cli.ENGINE_NETTY);
    if (netty) {
      if ("route".equalsIgnoreCase(s.params().getOrDefault("mode", "proxy").trim())) {
        return usage("--mode route: not with --engine netty (expected: --mode proxy, or --engine servlet)");
      }
    }

    // from here on a SIGTERM / Ctrl-C means "stop gracefully", even while still starting
    installShutdown();
    Demo demo = null;
    Balancer balancer = null;
    StandaloneServer http = null;
    NettyProxy proxy = null;
    try {
      Map<String, String> params = new LinkedHashMap<>();
      if (s.demo()) {
        demo = Demo.start(s.replicas(), s.demoPort());
        params.putAll(demo.balancerParams());
      }
      params.putAll(s.params()); // flags win over the demo's settings

      LoadBalancerConfig config;
      try {
        config = LoadBalancerConfig.parse(params);
        balancer = config.createBalancer();
      } catch (IllegalArgumentException | IllegalStateException e) {
        return usage(Cli.flagMessage(e, keys));
      }
      log.debug("configuration: {}", config);
      if (config.options().mode() == Mode.ROUTE) {
        log.warn("--mode route: nothing runs behind the filter in the standalone jar, every request will get a 404"
            + " (route mode is for web applications; use --mode proxy here)");
      }

      int slots = Integer.parseInt(params.getOrDefault("slots", "0"));
      if (netty) {
        if (stopRequested.getCount() == 0) {
          return OK;
        }
        NettyProxy.Builder b = NettyProxy.builder().listen(new InetSocketAddress(s.listenHost(), s.listenPort()))
            .balancer(balancer).options(NettyProxyOptions.parse(params)).shutdownTimeout(s.shutdownGrace());
        if (demo != null) {
          b.localHandler(new DemoControls(demo, slots));
        }
        try {
          proxy = b.start();
        } catch (InterruptedException e) {
          throw e;
        } catch (Exception e) { // Netty rethrows the bind's BindException unchecked-style
          throw StandaloneServer.startFailure(s.listenHost(), s.listenPort(), e);
        }
        String url = StandaloneServer.url(s.listenHost(), proxy.port());
        log.info("listening on {} ({}, netty engine), balancing {}", url, Cli.version(), config.backend());
        if (demo != null) {
          awaitServers(balancer, Math.min(s.replicas(), slots), Duration.ofSeconds(5));
        }
        out.println("lbkit listening on " + url + " (Ctrl-C stops it gracefully)");
        if (demo != null) {
          out.print(Guide.text(url, demo, params));
        }
        out.flush();
        stopRequested.await();
        proxy.close();
        log.info("stopped");
        return OK;
      }

      Map<String, Filter> before = new LinkedHashMap<>();
      if (demo != null) {
        before.put("/demo/*", new LocalHandlerFilter(new DemoControls(demo, slots)));
      }
      if (stopRequested.getCount() == 0) {
        return OK; // SIGTERM / Ctrl-C while starting: nothing to serve
      }
      http = new StandaloneServer(s.listenHost(), s.listenPort(), s.shutdownGrace(),
          config.options().timeoutClient(), new LoadBalancingFilter(balancer, config.options()), before);
      http.start();
      log.info("listening on {} ({}), balancing {}", http.url(), Cli.version(), config.backend());
      if (demo != null) {
        awaitServers(balancer, Math.min(s.replicas(), slots), Duration.ofSeconds(5));
      }
      // the first line on standard output, in every mode (scripts and the integration tests read it)
      out.println("lbkit listening on " + http.url() + " (Ctrl-C stops it gracefully)");
      if (demo != null) {
        out.print(Guide.text(http.url(), demo, params));
      }
      out.flush();

      stopRequested.await();
      http.shutdown();
      log.info("stopped");
      return OK;
    } catch (StandaloneServer.StartException e) {
      err.println(Cli.PROGRAM + ": " + e.getMessage());
      return FAILED;
    } catch (RuntimeException e) {
      // a bug or an environment we did not foresee: still one line, the details in the log
      log.debug("cannot start", e);
      err.println(Cli.PROGRAM + ": cannot start: " + e + " (--log-level debug shows where)");
      return FAILED;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return FAILED;
    } finally {
      if (http != null) {
        http.close(); // a no-op after a graceful stop
      }
      if (proxy != null) {
        proxy.close(); // a no-op after a graceful stop
      }
      if (balancer != null) {
        balancer.group().close();
      }
      if (demo != null) {
        demo.close();
      }
      done.countDown();
    }
  }

  /**
   * SIGTERM and Ctrl-C ask the main thread to stop gracefully, and so does any other JVM exit
   * (through the shutdown hook, which then waits for it). A second signal while stopping ends the
   * process at once.
   */
  private void installShutdown() {
    Signals.onTerminate(() -> {
      if (stopRequested.getCount() == 0) {
        err.println(Cli.PROGRAM + ": stopping now, without waiting for requests in flight");
        err.flush();
        Runtime.getRuntime().halt(FAILED);
      }
      stopRequested.countDown();
    });
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      stopRequested.countDown();
      try {
        done.await(grace.toMillis() + 5000, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "lb-shutdown-hook"));
  }

  /** Waits briefly until DNS has filled the slots, so the guide's first curl already works. */
  private static void awaitServers(Balancer balancer, int expected, Duration timeout) throws InterruptedException {
    CountDownLatch filled = new CountDownLatch(1);
    Consumer<Snapshot> listener = snapshot -> {
      if (snapshot.usable().size() >= expected) {
        filled.countDown();
      }
    };
    balancer.group().addListener(listener); // called at once with the current snapshot, then on each change
    try {
      filled.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } finally {
      balancer.group().removeListener(listener);
    }
  }

  private int usage(String message) {
    err.println(Cli.PROGRAM + ": " + message);
    return USAGE;
  }
}
