package io.lbkit.dns;

import io.lbkit.core.Endpoint;
import io.lbkit.core.ServerGroup;
import io.lbkit.core.Ticker;
import io.lbkit.internal.Checks;
import io.lbkit.internal.Durations;
import io.lbkit.internal.GroupHooks;
import io.lbkit.internal.HostPort;
import io.lbkit.option.OptionException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.Name;
import org.xbill.DNS.TextParseException;

/**
 * Feeds a {@link ServerGroup} from DNS with HAProxy's resolver semantics: a plain name resolves
 * to A/AAAA records ({@code resolve-prefer}), a name starting with {@code _} to SRV records
 * (target, port, weight, priority). The source owns no slots: it computes the list of endpoints
 * and hands it to {@link ServerGroup#setEndpoints}, which keeps each endpoint in its slot.
 *
 * <ul>
 *   <li>A resolution starts {@code timeout-resolve} after the previous one ended. Each try sends the
 *       query to every nameserver; silence for {@code timeout-retry} starts the next try, up to
 *       {@code resolve-retries}; then the status is TIMEOUT.
 *   <li>An error reply on the preferred family asks the other one at once; a timeout does not.
 *   <li>A failed resolution changes nothing while {@code now - lastValid < hold-<status>}. Past it,
 *       NXDOMAIN and empty answers ("scaled to zero") empty the list once each record is older
 *       than {@code hold-obsolete}; failures (timeout, REFUSED, SERVFAIL, malformed) keep the list
 *       ({@code dns-failure keep}, the default) or empty it ({@code drop}, HAProxy).
 *   <li>A valid answer keeps every record seen within {@code hold-obsolete}, so a slot keeps its
 *       address, and its cookie, across an answer that briefly misses it.
 *   <li>Replies whose ID or question do not match are ignored and counted; malformed packets are
 *       logged and counted, never thrown.
 * </ul>
 *
 * <p>Runs on {@link ServerGroup#scheduler()} without blocking it; hold timers read the group's
 * {@link Ticker} (or {@link Builder#ticker}). Closing the group closes the source. Inside, the
 * record and hold-timer policy ({@code DnsPolicy}, pure and ticker-driven) is apart from the query
 * loop ({@code DnsQueryLoop}: scheduling and sockets); all of them log under this class's name.
 */
public final class DnsEndpointSource implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DnsEndpointSource.class);
  static final Path RESOLV_CONF = Paths.get("/etc/resolv.conf");

  private final ServerGroup group;
  private final String hostname;
  private final boolean srv;
  private final String settings;
  private final String prefix;
  private final DnsPolicy policy;
  private final DnsQueryLoop loop;

  private DnsEndpointSource(Builder b, ServerGroup group, GroupHooks hooks) {
    this.group = group;
    this.hostname = b.hostname;
    this.srv = b.srv;
    this.settings = b.toString();
    this.prefix = group.name() + "/" + hostname;
    Ticker ticker = b.ticker != null ? b.ticker : group.ticker();
    this.policy = new DnsPolicy(prefix, b.policySettings(), ticker.read());
    // the queries' deadlines are armed on the scheduler, so they read the scheduler's clock
    QueryContext ctx = new QueryContext(prefix, group.scheduler(), hooks.schedulerClock(), b.acceptedPayloadSize,
        b.timeoutRetry.toNanos(), b.retries);
    this.loop = new DnsQueryLoop(group, hostname, b.qname, b.port, b.nameservers, b.resolvConf, b.prefer, b.retries,
        hooks.maxServers(), policy, ticker, ctx);
  }

  /**
   * A builder for {@code target}: {@code host:port} for A/AAAA ({@code tasks.whoami:80}), or an SRV
   * name starting with {@code _} ({@code _http._tcp.whoami}) whose records give the ports.
   */
  public static Builder builder(String target) {
    String t = target == null ? "" : target.trim();
    if (t.startsWith("_")) {
      return new Builder(t, 0);
    }
    HostPort hp = HostPort.parse("dns", t, 1, -1,
        "host:port such as tasks.whoami:80, or an SRV name such as _http._tcp.whoami");
    return new Builder(hp.host(), hp.port());
  }

  /** A builder for the A/AAAA records of {@code hostname}, every endpoint on {@code port}. */
  public static Builder builder(String hostname, int port) {
    if (hostname != null && hostname.trim().startsWith("_")) {
      throw new OptionException("hostname", hostname,
          "a host name; an SRV name starting with _ carries its own ports");
    }
    return new Builder(hostname, port);
  }

  /** The name being resolved, as given. */
  public String hostname() {
    return hostname;
  }

  /** True when the name is an SRV name ({@code _service._proto.name}). */
  public boolean isSrv() {
    return srv;
  }

  /** The group this source feeds. */
  public ServerGroup group() {
    return group;
  }

  /** The live counters, for the stats page. */
  public DnsCounters counters() {
    return loop.counters();
  }

  /** The status of the last finished resolution, or null before the first one ends. */
  public DnsStatus lastStatus() {
    return policy.lastStatus();
  }

  /** What the last finished resolution said, for logs and the stats page ({@code no reply to A x after 3 tries}); empty when VALID. */
  public String lastDetail() {
    return policy.lastDetail();
  }

  /** True while failures past their hold are being ridden out ({@code dns-failure keep}) or have emptied the list. */
  public boolean isFailing() {
    return policy.isFailing();
  }

  /** The endpoints this source currently gives the group, in first-seen order. */
  public List<Endpoint> endpoints() {
    return policy.endpoints();
  }

  /**
   * Completes when the first resolution has finished, whatever its status: startup never fails or
   * waits because DNS is unreachable (HAProxy's {@code init-addr none}).
   */
  public CompletableFuture<Void> whenReady() {
    return loop.whenReady();
  }

  /**
   * Starts a resolution now (or joins the one running) and completes with its status once the
   * group has been updated. The periodic schedule restarts from its end.
   */
  public CompletableFuture<DnsStatus> resolveNow() {
    return loop.resolveNow();
  }

  /**
   * HAProxy's on-demand resolution (a health check failed at layer 4): resolves now unless the
   * last resolution was VALID less than {@code hold-valid} ago, in which case it completes at once.
   */
  public CompletableFuture<DnsStatus> triggerResolution() {
    return loop.triggerResolution();
  }

  /** Stops resolving and closes the open queries; the group keeps its last list. */
  @Override
  public void close() {
    loop.close();
  }

  @Override
  public String toString() {
    return "DnsEndpointSource{" + prefix + ", " + settings + "}";
  }

  /** The configured nameservers, or those of resolv.conf read now. */
  List<InetSocketAddress> currentNameservers() {
    return loop.currentNameservers();
  }

  /** As {@link DnsPolicy#nextDelay}; kept here for the builder tests. */
  static long nextDelay(long minTtlSeconds, long timeoutResolve, long holdValid) {
    return DnsPolicy.nextDelay(minTtlSeconds, timeoutResolve, holdValid);
  }

  /**
   * Builds a {@link DnsEndpointSource}. Defaults are HAProxy's. Every setter validates at once, with
   * messages of the form {@code hold-valid: -1s (expected: >= 0)}; {@link #set(String, String)}
   * takes the same settings by their configuration names.
   */
  public static final class Builder {
    private final String hostname;
    private final Name qname;
    private final boolean srv;
    private final int port;
    private List<InetSocketAddress> nameservers;
    private Path resolvConf = RESOLV_CONF;
    private ResolvePrefer prefer = ResolvePrefer.IPV6;
    private int retries = 3;
    private Duration timeoutResolve = Duration.ofSeconds(1);
    private Duration timeoutRetry = Duration.ofSeconds(1);
    private Duration holdValid = Duration.ofSeconds(10);
    private Duration holdNx = Duration.ofSeconds(30);
    private Duration holdRefused = Duration.ofSeconds(30);
    private Duration holdTimeout = Duration.ofSeconds(30);
    private Duration holdOther = Duration.ofSeconds(30);
    private Duration holdObsolete = Duration.ZERO;
    private int acceptedPayloadSize = 512;
    private boolean respectTtl;
    private DnsFailure dnsFailure = DnsFailure.KEEP;
    private Ticker ticker;

    private Builder(String hostname, int port) {
      String h = hostname == null ? "" : hostname.trim();
      if (h.isEmpty()) {
        throw new OptionException("hostname", hostname, "a DNS name such as tasks.whoami");
      }
      try {
        this.qname = Name.fromString(h, Name.root);
      } catch (TextParseException e) {
        throw new OptionException("hostname", hostname, "'" + hostname + "'", "a DNS name such as tasks.whoami", e);
      }
      this.hostname = h;
      this.srv = h.startsWith("_");
      this.port = srv ? 0 : Checks.range("port", port, 1, 65535);
    }

    /**
     * The nameservers, {@code ip[:port]} (port 53 by default, {@code [v6]:port} for IPv6); each item may
     * itself be a comma-separated list. All are asked; the first valid reply wins. Default: the
     * {@code nameserver} lines of {@code /etc/resolv.conf}, re-read on every resolution.
     */
    public Builder nameserver(String... hostPorts) {
      List<InetSocketAddress> list = new ArrayList<>();
      for (String hp : hostPorts) {
        list.addAll(Nameservers.parseList(hp));
      }
      if (list.isEmpty()) {
        throw new OptionException("nameserver", Arrays.toString(hostPorts), "ip[:port][,ip[:port]...]");
      }
      this.nameservers = List.copyOf(list);
      return this;
    }

    /** The resolv.conf file read on every resolution when no {@code nameserver} is set (default /etc/resolv.conf). */
    public Builder resolvConf(Path file) {
      this.resolvConf = Checks.notNull("resolv-conf", file);
      return this;
    }

    /** Which family to ask first ({@code resolve-prefer}, default ipv6 as HAProxy). */
    public Builder resolvePrefer(ResolvePrefer prefer) {
      this.prefer = Checks.notNull("resolve-prefer", prefer);
      return this;
    }

    /** Send rounds per resolution before TIMEOUT ({@code resolve-retries}, default 3). */
    public Builder resolveRetries(int retries) {
      this.retries = DnsOptions.RESOLVE_RETRIES.check(retries);
      return this;
    }

    /** Time from the end of a resolution to the start of the next ({@code timeout-resolve}, default 1s). */
    public Builder timeoutResolve(Duration d) {
      this.timeoutResolve = DnsOptions.TIMEOUT_RESOLVE.check(d);
      return this;
    }

    /** Time to wait for a reply before the next try ({@code timeout-retry}, default 1s). */
    public Builder timeoutRetry(Duration d) {
      this.timeoutRetry = DnsOptions.TIMEOUT_RETRY.check(d);
      return this;
    }

    /**
     * How long a VALID result may be reused by {@link #triggerResolution()} ({@code hold-valid},
     * default 10s); also the cap of the refresh interval with {@code respect-ttl}. Not the polling interval.
     */
    public Builder holdValid(Duration d) {
      this.holdValid = DnsOptions.HOLD_VALID.check(d);
      return this;
    }

    /** How long after the last valid answer NXDOMAIN changes nothing ({@code hold-nx}, default 30s). */
    public Builder holdNx(Duration d) {
      this.holdNx = DnsOptions.HOLD_NX.check(d);
      return this;
    }

    /** The same for REFUSED ({@code hold-refused}, default 30s). */
    public Builder holdRefused(Duration d) {
      this.holdRefused = DnsOptions.HOLD_REFUSED.check(d);
      return this;
    }

    /** The same for no reply at all ({@code hold-timeout}, default 30s). */
    public Builder holdTimeout(Duration d) {
      this.holdTimeout = DnsOptions.HOLD_TIMEOUT.check(d);
      return this;
    }

    /** The same for SERVFAIL, empty answers, malformed replies, other RCODEs ({@code hold-other}, default 30s). */
    public Builder holdOther(Duration d) {
      this.holdOther = DnsOptions.HOLD_OTHER.check(d);
      return this;
    }

    /**
     * How long a record missing from valid answers keeps its slot ({@code hold-obsolete}, default 0:
     * it goes with the first answer that lacks it).
     */
    public Builder holdObsolete(Duration d) {
      this.holdObsolete = DnsOptions.HOLD_OBSOLETE.check(d);
      return this;
    }

    /**
     * The EDNS0 payload size announced in queries; longer UDP replies are dropped
     * ({@code accepted-payload-size}, 12..65535, default 512).
     */
    public Builder acceptedPayloadSize(int size) {
      this.acceptedPayloadSize = DnsOptions.ACCEPTED_PAYLOAD_SIZE.check(size);
      return this;
    }

    /**
     * After a valid answer, wait for the smallest record TTL before the next resolution, at least
     * {@code timeout-resolve} and at most {@code max(timeout-resolve, hold-valid)} ({@code respect-ttl},
     * default false: poll every {@code timeout-resolve} as HAProxy).
     */
    public Builder respectTtl(boolean respectTtl) {
      this.respectTtl = respectTtl;
      return this;
    }

    /** What a DNS failure past its hold does ({@code dns-failure}, default keep). */
    public Builder dnsFailure(DnsFailure mode) {
      this.dnsFailure = Checks.notNull("dns-failure", mode);
      return this;
    }

    /** The time source of the hold timers; default the group's ticker. */
    public Builder ticker(Ticker ticker) {
      this.ticker = Checks.notNull("ticker", ticker);
      return this;
    }

    /**
     * Sets an option by its configuration name, as servlet init-params and CLI flags spell it
     * ({@link DnsOptions}: {@code nameserver}, {@code hold-valid}, ...).
     *
     * @throws io.lbkit.option.OptionException for an unknown key or a bad value, naming both
     */
    public Builder set(String key, String value) {
      return DnsOptions.ALL.set(this, key, value);
    }

    /** {@link #set(String, String)} for every entry whose key is a DNS option; other keys are left alone. */
    public Builder setAll(Map<String, String> options) {
      return DnsOptions.ALL.setAll(this, options);
    }

    /**
     * Creates the source, attaches it to {@code group} (closing the group closes it) and starts the
     * first resolution at once on the group's scheduler. Never blocks and never fails because DNS is
     * unreachable.
     */
    public DnsEndpointSource build(ServerGroup group) {
      Objects.requireNonNull(group, "group");
      GroupHooks hooks = group.hooks();
      DnsEndpointSource source = new DnsEndpointSource(this, group, hooks);
      hooks.attach(source);
      log.debug("{}: DNS source started: {}", source.prefix, source.settings);
      source.loop.start();
      return source;
    }

    /** The settings of the record and hold-timer policy, in nanoseconds. */
    DnsPolicy.Settings policySettings() {
      return new DnsPolicy.Settings(holdValid.toNanos(), holdNx.toNanos(), holdRefused.toNanos(),
          holdTimeout.toNanos(), holdOther.toNanos(), holdObsolete.toNanos(), timeoutResolve.toNanos(), respectTtl,
          dnsFailure);
    }

    /** The settings, as configuration names and values. */
    @Override
    public String toString() {
      StringBuilder sb = new StringBuilder();
      sb.append(srv ? "srv " + hostname : hostname + ":" + port);
      sb.append(", nameserver ");
      if (nameservers == null) {
        sb.append(resolvConf);
      } else {
        for (int i = 0; i < nameservers.size(); i++) {
          sb.append(i == 0 ? "" : ",").append(Nameservers.format(nameservers.get(i)));
        }
      }
      sb.append(", resolve-prefer ").append(prefer)
          .append(", resolve-retries ").append(retries)
          .append(", timeout-resolve ").append(Durations.format(timeoutResolve))
          .append(", timeout-retry ").append(Durations.format(timeoutRetry))
          .append(", hold-valid ").append(Durations.format(holdValid))
          .append(", hold-nx ").append(Durations.format(holdNx))
          .append(", hold-refused ").append(Durations.format(holdRefused))
          .append(", hold-timeout ").append(Durations.format(holdTimeout))
          .append(", hold-other ").append(Durations.format(holdOther))
          .append(", hold-obsolete ").append(Durations.format(holdObsolete))
          .append(", accepted-payload-size ").append(acceptedPayloadSize)
          .append(", respect-ttl ").append(respectTtl)
          .append(", dns-failure ").append(dnsFailure);
      return sb.toString();
    }
  }
}
