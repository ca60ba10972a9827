package io.lbkit.spring;

import io.lbkit.core.Balancer;
import io.lbkit.core.Selection;
import io.lbkit.core.Server;
import io.lbkit.core.Snapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

/**
 * The instances of an lbkit service as a live list: the group's usable servers (UP, with an
 * address), in slot order, published again whenever the group publishes a snapshot (DNS change,
 * health transition). Subscribers get the current list first.
 */
final class LbkitServiceInstanceListSupplier implements ServiceInstanceListSupplier, AutoCloseable {
  private final String serviceId;
  private final Balancer balancer;
  private final Sinks.Many<List<ServiceInstance>> lists = Sinks.many().replay().latest();
  private final Consumer<Snapshot> listener = this::publish;

  LbkitServiceInstanceListSupplier(String serviceId, Balancer balancer) {
    this.serviceId = serviceId;
    this.balancer = balancer;
    // called at once with the current snapshot, then in publication order: emissions never overlap
    balancer.group().addListener(listener);
  }

  private void publish(Snapshot snapshot) {
    List<ServiceInstance> instances = new ArrayList<>(snapshot.usable().size());
    for (Server s : snapshot.usable()) {
      instances.add(new LbkitServiceInstance(serviceId, balancer, new Selection(s, null)));
    }
    lists.tryEmitNext(List.copyOf(instances));
  }

  @Override
  public String getServiceId() {
    return serviceId;
  }

  @Override
  public Flux<List<ServiceInstance>> get() {
    return lists.asFlux();
  }

  /** Stops following the group. */
  @Override
  public void close() {
    balancer.group().removeListener(listener);
    lists.tryEmitComplete();
  }
}
