package io.lbkit.benchmarks;

import io.lbkit.cookie.StickyCookieBalancer;
import io.lbkit.core.Endpoint;
import io.lbkit.core.RequestView;
import io.lbkit.core.Selection;
import io.lbkit.core.Server;
import io.lbkit.core.ServerGroup;
import io.lbkit.spring.BenchmarkAccess;
import io.lbkit.spring.LbkitServiceInstance;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.LoadBalancerProperties;
import org.springframework.cloud.client.loadbalancer.Request;
import org.springframework.cloud.client.loadbalancer.RequestDataContext;
import org.springframework.cloud.client.loadbalancer.reactive.ReactiveLoadBalancer;
import org.springframework.cloud.loadbalancer.core.ReactorServiceInstanceLoadBalancer;
import org.springframework.cloud.loadbalancer.core.RequestBasedStickySessionServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.core.RoundRobinLoadBalancer;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.support.ServiceInstanceListSuppliers;

/**
 * One sticky {@code choose()} over {@value SpringChoose#SERVERS} instances, as Spring Cloud
 * Gateway's load-balancer filter calls it: the exchange's request carries a ~300-character
 * {@code Cookie} line of 6 cookies, the 4th naming one of the instances, each input another.
 *
 * <ul>
 *   <li>{@code lbkit}: lb-spring's {@code LbkitReactorLoadBalancer} over a
 *       {@link StickyCookieBalancer} ({@code cookie=SRVID}, SipHash values), reading the raw
 *       {@code Cookie} line.
 *   <li>{@code lbkitSelect}: the {@link StickyCookieBalancer#select} underneath, on a precomputed
 *       {@link RequestView} of the same header.
 *   <li>{@code springCloud}: Spring Cloud's sticky path, a {@link RoundRobinLoadBalancer} over a
 *       {@link RequestBasedStickySessionServiceInstanceListSupplier} (cookie
 *       {@code sc-lb-instance-id}, the instance id in clear, read from the request's parsed cookies)
 *       over a fixed instance list.
 * </ul>
 *
 * <p>Setup checks that every input reaches its server through the cookie: lbkit without a new
 * {@code Set-Cookie}, Spring Cloud the same instance on repeated calls with one input.
 *
 * <pre>java -jar lb-benchmarks/target/benchmarks.jar SpringStickyChoose -prof gc</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SpringStickyChoose {
  private static final String SPRING_COOKIE = "sc-lb-instance-id";

  private ServerGroup group;
  private StickyCookieBalancer balancer;
  private ReactorServiceInstanceLoadBalancer lbkit;
  private RoundRobinLoadBalancer springCloud;
  private Request<RequestDataContext>[] lbkitRequests;
  private RequestView[] lbkitViews;
  private Request<RequestDataContext>[] springRequests;

  /** The input cursor and the subscriber, one per thread. */
  @State(Scope.Thread)
  public static class PerThread {
    int i;
    final SpringRequests.Picked picked = new SpringRequests.Picked();
  }

  @Setup(Level.Trial)
  @SuppressWarnings("unchecked")
  public void setUp() {
    List<Endpoint> endpoints = Fixtures.endpoints(SpringChoose.SERVERS);
    group = ServerGroup.builder(SpringChoose.SERVICE).endpoints(endpoints).build();
    balancer = StickyCookieBalancer.builder().cookie("SRVID").cookieKey(Fixtures.COOKIE_KEY).build(group);
    lbkit = BenchmarkAccess.loadBalancer(SpringChoose.SERVICE, balancer);

    ServiceInstance[] instances = SpringChoose.instances(endpoints);
    ServiceInstanceListSupplier sticky = new RequestBasedStickySessionServiceInstanceListSupplier(
        ServiceInstanceListSuppliers.from(SpringChoose.SERVICE, instances), new DefaultProperties());
    springCloud = new RoundRobinLoadBalancer(provider(sticky), SpringChoose.SERVICE);

    lbkitRequests = new Request[Fixtures.INPUTS];
    lbkitViews = new RequestView[Fixtures.INPUTS];
    springRequests = new Request[Fixtures.INPUTS];
    List<Server> servers = group.snapshot().usable();
    PerThread t = new PerThread();
    for (int i = 0; i < Fixtures.INPUTS; i++) {
      Server expected = servers.get(i % servers.size());
      String header = StickySelect.cookieHeader(i, balancer.cookieValue(expected.endpoint()));
      lbkitRequests[i] = SpringRequests.request(header);
      lbkitViews[i] = RequestView.of(header);
      String instanceId = instances[i % instances.length].getInstanceId();
      springRequests[i] = SpringRequests.request(
          StickySelect.cookieHeader(i, instanceId).replace("; SRVID=", "; " + SPRING_COOKIE + "="));

      t.i = i;
      ServiceInstance chosen = lbkit(t);
      Fixtures.check(chosen instanceof LbkitServiceInstance
              && ((LbkitServiceInstance) chosen).server() == expected
              && ((LbkitServiceInstance) chosen).selection().setCookie() == null,
          "lbkit: input " + i + " chose " + chosen + " (expected: " + expected + " through its cookie)");
      t.i = i;
      Selection s = lbkitSelect(t);
      Fixtures.check(s.server() == expected && s.setCookie() == null,
          "lbkitSelect: input " + i + " selects " + s + " (expected: " + expected + " through its cookie)");
      for (int repeat = 0; repeat < SpringChoose.SERVERS; repeat++) { // a round robin would move on
        t.i = i;
        String id = springCloud(t).getInstanceId();
        Fixtures.check(id.equals(instanceId),
            "springCloud: input " + i + " chose " + id + " (expected: " + instanceId + " through its cookie)");
      }
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    group.close();
  }

  @Benchmark
  public ServiceInstance lbkit(PerThread t) {
    return t.picked.take(lbkit.choose(lbkitRequests[t.i++ & Fixtures.MASK]));
  }

  @Benchmark
  public Selection lbkitSelect(PerThread t) {
    return balancer.select(lbkitViews[t.i++ & Fixtures.MASK]);
  }

  @Benchmark
  public ServiceInstance springCloud(PerThread t) {
    return t.picked.take(springCloud.choose(springRequests[t.i++ & Fixtures.MASK]));
  }

  private static ObjectProvider<ServiceInstanceListSupplier> provider(ServiceInstanceListSupplier supplier) {
    return new ObjectProvider<>() {
      @Override
      public ServiceInstanceListSupplier getObject() {
        return supplier;
      }

      @Override
      public ServiceInstanceListSupplier getObject(Object... args) {
        return supplier;
      }

      @Override
      public ServiceInstanceListSupplier getIfAvailable() {
        return supplier;
      }

      @Override
      public ServiceInstanceListSupplier getIfUnique() {
        return supplier;
      }
    };
  }

  /** Spring Cloud LoadBalancer's default properties (sticky cookie {@code sc-lb-instance-id}) for every id. */
  private static final class DefaultProperties implements ReactiveLoadBalancer.Factory<ServiceInstance> {
    private final LoadBalancerProperties properties = new LoadBalancerProperties();

    @Override
    public LoadBalancerProperties getProperties(String serviceId) {
      return properties;
    }

    @Override
    public ReactiveLoadBalancer<ServiceInstance> getInstance(String serviceId) {
      throw new UnsupportedOperationException("not a load-balancer factory: properties only");
    }

    @Override
    public <X> Map<String, X> getInstances(String name, Class<X> type) {
      return Map.of();
    }

    @Override
    public <X> X getInstance(String name, Class<?> clazz, Class<?>... generics) {
      return null;
    }
  }
}
