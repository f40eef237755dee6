/**
 * The load balancer's worker pool: which worker gets the next request.
 *
 * <p>{@link org.resumelb.proxy.pool.Pool} is the one interface the proxy talks to:
 * {@code acquire(class)} hands out a {@link org.resumelb.proxy.pool.PoolWorker}
 * that the caller must {@code release} once, and résumés arrive through
 * {@code update}. {@link org.resumelb.proxy.pool.ResumePool} is the résumé-based
 * policy (zc.resumelb's algorithm); round-robin, least-backlog and consistent
 * hashing with bounded loads sit behind the same interface for comparison.
 * {@link org.resumelb.proxy.pool.Pools#create} builds one by policy name.
 *
 * <p>Plain Java: no I/O, no servlet or Jetty types, so every policy is tested
 * without a container.
 */
package org.resumelb.proxy.pool;
