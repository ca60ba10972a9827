package io.lbkit.health;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RunnableScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A real single-thread scheduler that records the delay of every health check it is asked to
 * run, per slot, so tests can assert inter/fastinter/downinter choices without measuring time.
 */
final class RecordingScheduler extends ScheduledThreadPoolExecutor {
  record Scheduled(int slot, long delayNanos) {}

  final List<Scheduled> checks = new CopyOnWriteArrayList<>();
  private final Map<RunnableScheduledFuture<?>, Runnable> tasks = new ConcurrentHashMap<>();

  RecordingScheduler() {
    super(1, r -> {
      Thread t = new Thread(r, "test-health-scheduler");
      t.setDaemon(true);
      return t;
    });
    setRemoveOnCancelPolicy(true);
  }

  @Override
  protected <V> RunnableScheduledFuture<V> decorateTask(Runnable runnable, RunnableScheduledFuture<V> task) {
    tasks.put(task, runnable);
    return task;
  }

  @Override
  public java.util.concurrent.ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
    if (command instanceof HealthChecker.CheckTask) {
      checks.add(new Scheduled(((HealthChecker.CheckTask) command).slot(), unit.toNanos(delay)));
    }
    return super.schedule(command, delay, unit);
  }

  /** The delays of the checks scheduled for {@code slot}, in order, repeats collapsed. */
  List<Long> distinctRunsMillis(int slot) {
    List<Long> out = new ArrayList<>();
    for (Scheduled s : checks) {
      if (s.slot() == slot) {
        long ms = TimeUnit.NANOSECONDS.toMillis(s.delayNanos());
        if (out.isEmpty() || out.get(out.size() - 1) != ms) {
          out.add(ms);
        }
      }
    }
    return out;
  }

  /** Slots with a check waiting in the queue. */
  List<Integer> pendingCheckSlots() {
    List<Integer> slots = new ArrayList<>();
    for (Runnable r : getQueue()) {
      Runnable task = tasks.get(r);
      if (task instanceof HealthChecker.CheckTask && !((RunnableScheduledFuture<?>) r).isDone()) {
        slots.add(((HealthChecker.CheckTask) task).slot());
      }
    }
    return slots;
  }

  /** Every waiting task that is not done (checks and timeouts). */
  int pendingTasks() {
    int n = 0;
    for (Runnable r : getQueue()) {
      if (!((RunnableScheduledFuture<?>) r).isDone()) {
        n++;
      }
    }
    return n;
  }
}
