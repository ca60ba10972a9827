package io.lbkit.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.lbkit.core.Endpoint;
import io.lbkit.core.RequestView;
import io.lbkit.core.Selection;
import io.lbkit.core.ServerGroup;
import io.lbkit.testkit.FakeTicker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The {@link StickStore} seam, with two balancers ("instances") sharing one in-memory store. */
class StickStoreTest {
  static final Endpoint E2 = Endpoint.parse("127.0.0.2:8080");
  static final Endpoint E3 = Endpoint.parse("127.0.0.3:8080");
  static final Endpoint E4 = Endpoint.parse("127.0.0.4:8080");

  final FakeTicker nanos = new FakeTicker();
  final Map<String, Endpoint> shared = new ConcurrentHashMap<>();
  final List<MapStore> opened = new ArrayList<>();
  final List<ServerGroup> groups = new ArrayList<>();

  /** A real store over a shared map, counting calls. */
  final class MapStore implements StickStore {
    final Spec spec;
    final AtomicInteger finds = new AtomicInteger();
    final AtomicInteger stores = new AtomicInteger();
    final AtomicInteger offers = new AtomicInteger();
    boolean closed;

    MapStore(Spec spec) {
      this.spec = spec;
      opened.add(this);
    }

    @Override
    public Endpoint find(String id) {
      finds.incrementAndGet();
      return shared.get(id);
    }

    @Override
    public void store(String id, Endpoint endpoint) {
      stores.incrementAndGet();
      shared.put(id, endpoint);
    }

    @Override
    public void offer(String id, Endpoint endpoint) {
      offers.incrementAndGet();
      shared.putIfAbsent(id, endpoint);
    }

    @Override
    public Status status() {
      return new Status(false, "map", 0, 0);
    }

    @Override
    public void close() {
      closed = true;
    }
  }

  StickTableBalancer instance(List<Endpoint> order) {
    ServerGroup group = ServerGroup.builder("be").slots("app", 3).ticker(nanos::read).build();
    group.setEndpoints(order);
    groups.add(group);
    return StickTableBalancer.builder().stickOn("JSESSIONID").stickTableSize(5000)
        .stickTableExpire(Duration.ofMinutes(20)).stickStore(MapStore::new).build(group);
  }

  @AfterEach
  void tearDown() {
    groups.forEach(ServerGroup::close);
  }

  static RequestView session(String id) {
    return RequestView.of("theme=dark; JSESSIONID=" + id);
  }

  static Endpoint route(StickTableBalancer b, String id) {
    return b.select(session(id)).server().endpoint();
  }

  @Test
  void aSessionLearnedOnOneInstanceIsRoutedByEndpointOnAnother() {
    StickTableBalancer a = instance(List.of(E2, E3, E4));
    StickTableBalancer b = instance(List.of(E4, E3, E2)); // other slots: entries carry endpoints
    Selection first = a.select(RequestView.EMPTY);
    a.backendSetCookie(first, "JSESSIONID=S1; Path=/");
    assertThat(shared).containsEntry("S1", first.server().endpoint());
    for (int i = 0; i < 5; i++) {
      Selection s = b.select(session("S1"));
      assertThat(s.server().endpoint()).isEqualTo(first.server().endpoint());
      assertThat(s.setCookie()).isNull();
    }
    assertThat(opened.get(1).finds).as("asked once, then known locally").hasValue(1);
    StickStore.Spec spec = opened.get(0).spec;
    assertThat(List.of(spec.name(), spec.size(), spec.expire(), spec.keyMax()))
        .containsExactly("be.JSESSIONID", 5000L, Duration.ofMinutes(20), 128);
    spec.relearn().accept("S9", E4); // the store found another instance's entry: it replaces this one's
    assertThat(route(a, "S9")).isEqualTo(E4);
    assertThat(b.stickStore()).isSameAs(opened.get(1));
  }

  @Test
  void aLocalHitNeverCallsTheStore() {
    StickTableBalancer a = instance(List.of(E2, E3, E4));
    MapStore store = opened.get(0);
    a.backendSetCookie(new Selection(a.group().snapshot().server(0), null), "JSESSIONID=S2");
    for (int i = 0; i < 100; i++) {
      a.select(session("S2"));
    }
    assertThat(store.finds).hasValue(0);
    assertThat(store.stores).hasValue(1);
  }

  @Test
  void anIdFirstSeenInARequestIsOfferedAndAnotherInstancesEntryWins() {
    StickTableBalancer a = instance(List.of(E2, E3, E4));
    StickTableBalancer b = instance(List.of(E2, E3, E4));
    Selection onA = a.select(session("S3"));
    assertThat(opened.get(0).offers).hasValue(1);
    assertThat(shared).containsEntry("S3", onA.server().endpoint());
    shared.clear(); // B does not hear of it (say the push was lost): B balances on its own ...
    b.select(RequestView.EMPTY); // ... and its rotation now points elsewhere
    Selection onB = b.select(session("S3"));
    assertThat(onB.server().endpoint()).isNotEqualTo(onA.server().endpoint());
    shared.put("S4", E4);
    b.select(session("S5"));
    assertThat(shared).containsEntry("S4", E4);
  }

  @Test
  void usesArePushedAtMostEveryQuarterOfTheExpiry() {
    StickTableBalancer a = instance(List.of(E2, E3, E4));
    MapStore store = opened.get(0);
    a.backendSetCookie(new Selection(a.group().snapshot().server(1), null), "JSESSIONID=S6");
    assertThat(store.stores).hasValue(1);
    nanos.advance(Duration.ofMinutes(4).toNanos());
    a.select(session("S6"));
    assertThat(store.stores).as("younger than expire/4: not pushed").hasValue(1);
    nanos.advance(Duration.ofMinutes(2).toNanos());
    assertThat(a.select(session("S6")).name()).isEqualTo("app2");
    assertThat(store.stores).as("older than expire/4: the use is pushed").hasValue(2);
    assertThat(shared).containsEntry("S6", E3);
    a.select(session("S6"));
    assertThat(store.stores).hasValue(2);
    assertThat(store.finds).hasValue(0);
  }

  @Test
  void aSessionWhoseLocalServerIsGoneFollowsWhatAnotherInstanceRelearned() {
    StickTableBalancer a = instance(List.of(E2, E3, E4));
    a.backendSetCookie(new Selection(a.group().snapshot().server(0), null), "JSESSIONID=S7"); // app1 = E2
    a.group().setMaintenance("app1", true);
    shared.put("S7", E4); // another instance moved the session to E4
    assertThat(a.select(session("S7")).server().endpoint()).isEqualTo(E4);
    assertThat(a.select(session("S7")).server().endpoint()).isEqualTo(E4);

    a.backendSetCookie(new Selection(a.group().snapshot().server(1), null), "JSESSIONID=S8"); // app2 = E3
    a.group().setMaintenance("app2", true); // nobody knows better: balanced again, and the move replaces the entry
    int stores = opened.get(0).stores.get();
    Endpoint moved = a.select(session("S8")).server().endpoint();
    assertThat(moved).isNotEqualTo(E3);
    assertThat(shared).containsEntry("S8", moved);
    assertThat(opened.get(0).stores).hasValue(stores + 1);
  }

  @Test
  void longIdsNeverReachTheStoreAndTheStoreClosesWithTheGroup() {
    StickTableBalancer a = instance(List.of(E2, E3, E4));
    a.select(session("X".repeat(129)));
    a.backendSetCookie(new Selection(a.group().snapshot().server(0), null), "JSESSIONID=" + "Y".repeat(129));
    assertThat(shared).isEmpty();
    assertThat(opened.get(0).finds).hasValue(0);
    a.group().close();
    assertThat(opened.get(0).closed).isTrue();
  }
}
