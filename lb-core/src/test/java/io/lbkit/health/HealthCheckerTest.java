package io.lbkit.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lbkit.core.Endpoint;
import io.lbkit.core.Server;
import io.lbkit.core.ServerGroup;
import io.lbkit.core.ServerState;
import io.lbkit.testkit.Effect;
import io.lbkit.testkit.WhoamiServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class HealthCheckerTest {
  private final List<AutoCloseable> cleanup = new ArrayList<>();
  private final RecordingScheduler scheduler = new RecordingScheduler();

  @AfterEach
  void tearDown() throws Exception {
    for (int i = cleanup.size() - 1; i >= 0; i--) {
      cleanup.get(i).close();
    }
    scheduler.shutdownNow();
  }

  private <T extends AutoCloseable> T closeLater(T resource) {
    cleanup.add(resource);
    return resource;
  }

  private WhoamiServer backend(String ip, Effect effect) throws IOException {
    return closeLater(WhoamiServer.start("backend", ip)).effect(effect);
  }

  /** A backend that reads the request and answers {@code status} with an empty body, whatever the path. */
  private WhoamiServer http(String ip, int status) throws IOException {
    return closeLater(WhoamiServer.start("backend", ip)).answerWith(status);
  }

  private static Endpoint endpoint(WhoamiServer backend) {
    return Endpoint.parse(backend.authority());
  }

  /** A port on {@code ip} with nothing listening: connects are refused. */
  private static Endpoint refusedEndpoint(String ip) throws IOException {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(InetAddress.getByName(ip), 0));
      return Endpoint.parse(ip + ":" + s.getLocalPort());
    }
  }

  private ServerGroup group(Endpoint... endpoints) {
    return group(ServerGroup.builder("be"), endpoints);
  }

  private ServerGroup group(ServerGroup.Builder builder, Endpoint... endpoints) {
    return closeLater(builder.scheduler(scheduler).endpoints(List.of(endpoints)).build());
  }

  private static Server server(ServerGroup group, int slot) {
    return group.snapshot().server(slot);
  }

  private static HealthChecker.Builder fast() {
    // short, but long enough that a loaded CI machine does not turn connects into timeouts
    return HealthChecker.builder().checkInterval(Duration.ofMillis(100));
  }

  private static void awaitStatus(ServerGroup group, int slot, String status) {
    await().atMost(Duration.ofSeconds(5)).until(() -> status.equals(server(group, slot).stats().checkStatus()));
  }

  /** Stats are written before the snapshot is published: wait for both. */
  private static void awaitDown(ServerGroup group, int slot, String status) {
    await().atMost(Duration.ofSeconds(5)).until(() -> status.equals(server(group, slot).stats().checkStatus())
        && server(group, slot).state() == ServerState.DOWN);
  }

  @Test
  void tcpCheckOfAnAcceptingServerReachesFullHealth() throws IOException {
    WhoamiServer b = backend("127.0.0.11", Effect.CLOSE_ON_ACCEPT);
    ServerGroup group = group(endpoint(b));
    fast().build(group);
    await().atMost(Duration.ofSeconds(5)).until(() -> server(group, 0).stats().health() == 4);
    Server s = server(group, 0);
    assertThat(s.state()).isEqualTo(ServerState.UP);
    assertThat(s.stats().checkStatus()).isEqualTo("L4OK");
    assertThat(s.stats().checkDurationNanos()).isGreaterThanOrEqualTo(0);
    assertThat(b.connectionCount()).isGreaterThanOrEqualTo(1);
  }

  @Test
  void refusedConnectionIsL4conAndTakesTheNewServerDown() throws IOException {
    ServerGroup group = group(refusedEndpoint("127.0.0.12"));
    List<Server> hookCalls = new CopyOnWriteArrayList<>();
    fast().onLayer4Failure(hookCalls::add).build(group);
    awaitDown(group, 0, "L4CON");
    Server s = server(group, 0);
    assertThat(s.reason()).isEqualTo("check");
    assertThat(s.isUsable()).isFalse();
    assertThat(group.snapshot().usable()).isEmpty();
    // started at health = rise (UP, one failure from DOWN): exactly one counted failure so far
    assertThat(s.stats().checkFailures()).isEqualTo(1);
    await().atMost(Duration.ofSeconds(5)).until(() -> !hookCalls.isEmpty());
    assertThat(hookCalls.get(0).endpoint()).isEqualTo(s.endpoint());
  }

  @Test
  void aServerThatResetsPassesTheTcpCheckButFailsTheHttpCheck() throws IOException {
    WhoamiServer tcp = backend("127.0.0.13", Effect.RESET_ON_ACCEPT);
    WhoamiServer http = backend("127.0.0.14", Effect.RESET_ON_ACCEPT);
    ServerGroup tcpGroup = group(endpoint(tcp));
    ServerGroup httpGroup = group(endpoint(http));
    fast().build(tcpGroup);
    fast().check(CheckType.HTTP).build(httpGroup);
    await().atMost(Duration.ofSeconds(5)).until(() -> server(tcpGroup, 0).stats().health() == 4);
    assertThat(server(tcpGroup, 0).stats().checkStatus()).isEqualTo("L4OK"); // HAProxy's plain check: connect only
    // a reset after connect is a socket error (or, if the kernel reports a clean end first, an empty response)
    await().atMost(Duration.ofSeconds(5)).until(() -> server(httpGroup, 0).state() == ServerState.DOWN
        && List.of("SOCKERR", "L7RSP").contains(server(httpGroup, 0).stats().checkStatus()));
    assertThat(server(httpGroup, 0).stats().checkFailures()).isEqualTo(1); // never passed: DOWN since the first
  }

  @Test
  void httpCheckSendsOptionsHttp10ByDefaultAndPassesOn200() throws IOException {
    WhoamiServer b = http("127.0.0.15", 200);
    ServerGroup group = group(endpoint(b));
    fast().check(CheckType.HTTP).build(group);
    await().atMost(Duration.ofSeconds(5)).until(() -> server(group, 0).stats().health() == 4);
    assertThat(server(group, 0).stats().checkStatus()).isEqualTo("L7OK");
    assertThat(b.requests().get(0).head()).isEqualTo("OPTIONS / HTTP/1.0\r\n\r\n");
  }

  @Test
  void httpCheckWithGetPathAndHttp11SendsHost() throws IOException {
    WhoamiServer b = http("127.0.0.16", 204);
    ServerGroup group = group(endpoint(b));
    fast().set("check", "http").set("check-method", "GET").set("check-path", "/health?full=1")
        .set("check-version", "HTTP/1.1").set("check-expect", "204").build(group);
    awaitStatus(group, 0, "L7OK");
    assertThat(b.requests().get(0).head()).isEqualTo("GET /health?full=1 HTTP/1.1\r\nHost: " + endpoint(b).authority()
        + "\r\nConnection: close\r\n\r\n");
  }

  @Test
  void status500IsL7stsAndGarbageIsL7rspAndSilenceIsL7rsp() throws IOException {
    WhoamiServer err = http("127.0.0.17", 500);
    WhoamiServer garbage = backend("127.0.0.18", Effect.MALFORMED);
    WhoamiServer empty = backend("127.0.0.19", Effect.CLOSE_BEFORE_RESPONSE);
    ServerGroup group = group(endpoint(err), endpoint(garbage), endpoint(empty));
    fast().check(CheckType.HTTP).build(group);
    awaitStatus(group, 0, "L7STS 500");
    awaitStatus(group, 1, "L7RSP");
    awaitStatus(group, 2, "L7RSP");
    await().atMost(Duration.ofSeconds(5)).until(() -> group.snapshot().usable().isEmpty());
  }

  @Test
  void aStalledHttpServerTimesOutWithL7tout() throws IOException {
    WhoamiServer b = backend("127.0.0.20", Effect.STALL);
    ServerGroup group = group(endpoint(b));
    fast().check(CheckType.HTTP).checkTimeout(Duration.ofMillis(100)).build(group);
    awaitDown(group, 0, "L7TOUT");
  }

  @Test
  void aStalledHttpServerWithoutCheckTimeoutIsBoundedByTheInterval() throws IOException {
    WhoamiServer b = backend("127.0.0.21", Effect.STALL);
    ServerGroup group = group(endpoint(b));
    fast().check(CheckType.HTTP).build(group);
    awaitStatus(group, 0, "L7TOUT");
  }

  @Test
  void aConnectThatGetsNoAnswerIsL4tout() throws IOException {
    // Linux drops SYNs to a listener whose accept queue is full: fill the queue of a socket that never accepts
    ServerSocket neverAccepting = closeLater(new ServerSocket()); // listens, never accepts, smallest backlog
    neverAccepting.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.22"), 0), 1);
    InetSocketAddress address = (InetSocketAddress) neverAccepting.getLocalSocketAddress();
    boolean full = false;
    for (int i = 0; i < 64 && !full; i++) {
      Socket s = closeLater(new Socket());
      try {
        s.connect(address, 200);
      } catch (SocketTimeoutException e) {
        full = true;
      }
    }
    Assumptions.assumeTrue(full, "could not fill the accept queue on this OS; connect timeouts not testable on 127/8");
    ServerGroup group = group(Endpoint.parse("127.0.0.22:" + address.getPort()));
    List<Server> hookCalls = new CopyOnWriteArrayList<>();
    fast().timeoutConnect(Duration.ofMillis(30)).onLayer4Failure(hookCalls::add).build(group);
    awaitDown(group, 0, "L4TOUT");
    assertThat(hookCalls).isNotEmpty();
  }

  @Test
  void riseAndFallWithFastinterAndDowninter() throws IOException {
    WhoamiServer b = http("127.0.0.23", 200);
    ServerGroup group = group(endpoint(b));
    List<ServerState> states = new CopyOnWriteArrayList<>();
    group.addListener(s -> {
      if (states.isEmpty() || states.get(states.size() - 1) != s.server(0).state()) {
        states.add(s.server(0).state());
      }
    });
    fast().check(CheckType.HTTP).checkInterval(Duration.ofMillis(150)).checkFastinter(Duration.ofMillis(20))
        .checkDowninter(Duration.ofMillis(40)).checkTimeout(Duration.ofSeconds(2)).build(group); // no timeouts on a busy CI
    await().atMost(Duration.ofSeconds(5)).until(() -> server(group, 0).stats().health() == 4);

    b.answerWith(503); // fully up: three failures to go down (4 -> 3 -> 2 -> 0)
    await().atMost(Duration.ofSeconds(5)).until(() -> server(group, 0).state() == ServerState.DOWN);
    assertThat(server(group, 0).stats().checkFailures()).isEqualTo(3);
    assertThat(server(group, 0).stats().checkStatus()).isEqualTo("L7STS 503");

    b.answerWith(200); // two successes to come back (0 -> 1 -> 4)
    await().atMost(Duration.ofSeconds(5)).until(() -> server(group, 0).state() == ServerState.UP);
    await().atMost(Duration.ofSeconds(5)).until(() -> scheduler.distinctRunsMillis(0).size() >= 6);

    assertThat(states).containsExactly(ServerState.UP, ServerState.DOWN, ServerState.UP);
    assertThat(server(group, 0).stats().downTransitions()).isEqualTo(1);
    assertThat(server(group, 0).stats().downtimeNanos()).isPositive();
    // first check at once; inter while fully up; fastinter while falling; downinter while down;
    // fastinter while rising; inter again
    assertThat(scheduler.distinctRunsMillis(0)).startsWith(0L, 150L, 20L, 40L, 20L, 150L);
  }

  @Test
  void firstChecksAreSpreadOverTheFirstInterval() throws IOException {
    List<Endpoint> endpoints = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      endpoints.add(refusedEndpoint("127.0.0.24"));
    }
    ServerGroup group = group(endpoints.toArray(new Endpoint[0]));
    HealthChecker.builder().checkFastinter(Duration.ofMillis(400)).build(group);
    await().atMost(Duration.ofSeconds(5)).until(() -> scheduler.checks.size() >= 4);
    List<Long> firstDelays = new ArrayList<>();
    for (int slot = 0; slot < 4; slot++) {
      firstDelays.add(scheduler.distinctRunsMillis(slot).get(0));
    }
    // before its first check a server is "transitioning": fastinter is the interval spread over
    assertThat(firstDelays).containsExactly(0L, 100L, 200L, 300L);
  }

  @Test
  void newServersAreCheckedAtOnceRemovedOnesAndMaintenanceStop() throws IOException {
    WhoamiServer one = backend("127.0.0.25", Effect.CLOSE_ON_ACCEPT);
    WhoamiServer two = backend("127.0.0.26", Effect.CLOSE_ON_ACCEPT);
    ServerGroup group = closeLater(ServerGroup.builder("be").slots("w", 3).scheduler(scheduler).build());
    HealthChecker.builder().checkInterval(Duration.ofSeconds(10)).build(group);
    assertThat(scheduler.checks).as("empty slots are not checked").isEmpty();

    group.setEndpoints(List.of(endpoint(one)));
    await().atMost(Duration.ofSeconds(5)).until(() -> one.connectionCount() == 1);
    group.setEndpoints(List.of(endpoint(one), endpoint(two)));
    await().atMost(Duration.ofSeconds(5)).until(() -> two.connectionCount() == 1);
    assertThat(scheduler.distinctRunsMillis(1).get(0)).isZero();
    await().atMost(Duration.ofSeconds(5)).until(() -> scheduler.pendingCheckSlots().size() == 2);

    group.setEndpoints(List.of(endpoint(two)));
    await().atMost(Duration.ofSeconds(5)).until(() -> scheduler.pendingCheckSlots().equals(List.of(1)));

    group.setMaintenance("w2", true);
    await().atMost(Duration.ofSeconds(5)).until(() -> scheduler.pendingCheckSlots().isEmpty());
    group.setMaintenance("w2", false);
    await().atMost(Duration.ofSeconds(5)).until(() -> two.connectionCount() == 2);
    assertThat(one.connectionCount()).isEqualTo(1);
  }

  @Test
  void aCheckInFlightIsAbandonedWhenItsSlotGetsAnotherEndpoint() throws IOException {
    WhoamiServer stall = backend("127.0.0.35", Effect.STALL);
    WhoamiServer fine = http("127.0.0.36", 200);
    ServerGroup group = closeLater(ServerGroup.builder("be").slots("w", 1).scheduler(scheduler).build());
    group.setEndpoints(List.of(endpoint(stall)));
    HealthChecker.builder().check(CheckType.HTTP).checkInterval(Duration.ofSeconds(10))
        .checkTimeout(Duration.ofSeconds(10)).build(group);
    await().atMost(Duration.ofSeconds(5)).until(() -> stall.connectionCount() == 1); // check in flight

    group.setEndpoints(List.of(endpoint(fine))); // e.g. DNS moved the slot to a new address
    await().atMost(Duration.ofSeconds(5)).until(() -> stall.openConnections() == 0); // the old check was closed
    awaitStatus(group, 0, "L7OK");
    Server s = server(group, 0);
    assertThat(s.endpoint()).isEqualTo(endpoint(fine));
    assertThat(s.stats().checkFailures()).isZero();
    // one task left: the new endpoint's next check; the old check's timeout is gone
    await().atMost(Duration.ofSeconds(5)).until(() -> scheduler.pendingCheckSlots().equals(List.of(0))
        && scheduler.pendingTasks() == 1);
  }

  @Test
  void passiveFailuresReachingTheErrorLimitFailACheckAndForceFastinter() throws IOException {
    WhoamiServer b = backend("127.0.0.27", Effect.CLOSE_ON_ACCEPT);
    ServerGroup group = group(ServerGroup.builder("be").set("error-limit", "3"), endpoint(b));
    HealthChecker.builder().checkInterval(Duration.ofSeconds(30)).checkFastinter(Duration.ofMillis(300))
        .build(group);
    await().atMost(Duration.ofSeconds(5)).until(() -> server(group, 0).stats().health() == 4);
    Server s = server(group, 0);
    group.recordRequestFailure(s, "connection refused");
    group.recordRequestFailure(s, "connection refused");
    assertThat(s.stats().health()).isEqualTo(4);
    group.recordRequestFailure(s, "connect timeout");
    assertThat(s.stats().health()).isEqualTo(3);
    assertThat(s.stats().checkStatus()).isEqualTo("passive: connect timeout");
    // the next check is moved from 30s to fastinter, and passes: full health again
    await().atMost(Duration.ofSeconds(5)).until(() -> s.stats().health() == 4);
    await().atMost(Duration.ofSeconds(5)).untilAsserted(
        () -> assertThat(scheduler.distinctRunsMillis(0)).containsSubsequence(30_000L, 300L, 30_000L));
  }

  @Test
  void observeNoneIgnoresRequestFailures() throws IOException {
    WhoamiServer b = backend("127.0.0.28", Effect.CLOSE_ON_ACCEPT);
    ServerGroup group = group(ServerGroup.builder("be").set("error-limit", "1"), endpoint(b));
    HealthChecker.builder().checkInterval(Duration.ofSeconds(30)).set("observe", "none").build(group);
    Server s = server(group, 0);
    for (int i = 0; i < 20; i++) {
      group.recordRequestFailure(s, "refused");
    }
    assertThat(server(group, 0).state()).isEqualTo(ServerState.UP);
    assertThat(s.stats().failures()).isEqualTo(20);
  }

  @Test
  void checkNoneLeavesTheGroupAlone() {
    ServerGroup group = group(Endpoint.parse("127.0.0.29:1"));
    HealthChecker.builder().set("check", "none").build(group);
    assertThat(group.healthChecked()).isFalse();
    group.recordRequestFailure(server(group, 0), "refused");
    assertThat(scheduler.checks).isEmpty();
    assertThat(server(group, 0).state()).isEqualTo(ServerState.UP);
  }

  @Test
  void noThreadPerServer() throws IOException {
    WhoamiServer b = backend("127.0.0.30", Effect.CLOSE_ON_ACCEPT);
    // warm up the JDK's shared asynchronous-channel pool with one server
    ServerGroup warm = group(endpoint(b));
    fast().build(warm);
    await().atMost(Duration.ofSeconds(5)).until(() -> server(warm, 0).stats().checkStatus() != null);
    Set<Thread> before = Thread.getAllStackTraces().keySet();

    List<Endpoint> many = new ArrayList<>();
    for (int i = 0; i < 150; i++) {
      many.add(refusedEndpoint("127.0.1." + (1 + i)));
    }
    many.add(endpoint(b));
    ServerGroup group = group(many.toArray(new Endpoint[0]));
    fast().checkFastinter(Duration.ofMillis(5)).build(group);
    await().atMost(Duration.ofSeconds(10))
        .until(() -> group.snapshot().servers().stream().allMatch(s -> s.stats().checkStatus() != null));
    // 151 servers checked, all on the test's one scheduler thread plus the JDK's shared channel pool
    // (which may grow by a few under load, but not with the number of servers)
    List<String> added = new ArrayList<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (!before.contains(t)) {
        added.add(t.getName());
      }
    }
    assertThat(added).as("threads started while checking 151 servers").hasSizeLessThan(16);
  }

  @Test
  void closeStopsEveryCheckAndTimeout() throws Exception {
    WhoamiServer stall = backend("127.0.0.31", Effect.STALL);
    WhoamiServer ok = backend("127.0.0.32", Effect.CLOSE_ON_ACCEPT);
    ServerGroup group = group(endpoint(stall), endpoint(ok));
    HealthChecker checker = fast().check(CheckType.HTTP).checkInterval(Duration.ofSeconds(20)).build(group);
    await().atMost(Duration.ofSeconds(5)).until(() -> stall.connectionCount() == 1); // a check is now in flight
    checker.close();
    await().atMost(Duration.ofSeconds(5)).until(() -> scheduler.pendingTasks() == 0);
    group.setEndpoints(List.of(endpoint(ok), Endpoint.parse("127.0.0.33:80")));
    // the listener is gone: nothing new gets scheduled; let anything already submitted run first
    scheduler.submit(() -> { }).get();
    scheduler.submit(() -> { }).get();
    assertThat(scheduler.pendingCheckSlots()).isEmpty();
    assertThat(stall.connectionCount()).isEqualTo(1);
  }

  @Test
  void closingTheGroupClosesTheChecker() throws Exception {
    WhoamiServer b = backend("127.0.0.34", Effect.CLOSE_ON_ACCEPT);
    ServerGroup group = ServerGroup.builder("be").endpoints(List.of(endpoint(b))).build(); // own scheduler
    HealthChecker checker = fast().build(group);
    await().atMost(Duration.ofSeconds(5)).until(() -> b.connectionCount() >= 1);
    group.close();
    assertThat(checker.toString()).contains("check=tcp");
    assertThat(group.scheduler().isShutdown()).isTrue();
    assertThat(group.scheduler().awaitTermination(5, TimeUnit.SECONDS)).isTrue();
  }
}
