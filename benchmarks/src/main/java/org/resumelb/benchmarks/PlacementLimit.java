package org.resumelb.benchmarks;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import org.resumelb.samples.demo.Zipf;

/**
 * How much hit rate placement can buy on the locality workload, computed from
 * the workload's distribution rather than measured: the headroom the
 * locality benchmarks are read against. A site's request touches
 * {@code objectsPerRequest} objects, each {@code floor(|N(0,1)| * spread) mod
 * objectsPerSite} (the newsroom worker's rule); sites are Zipf-popular, plus an
 * optional hot site. With caches that keep the most frequently touched objects
 * (Caffeine's W-TinyLFU approximates that in steady state), the hit rate of a
 * placement that sends each site to one worker is, per worker, the mass of the
 * {@code cache} most touched objects of its sites, summed over workers. Printed:
 * <ul>
 * <li><b>global</b>: the {@code workers × cache} most touched objects anywhere
 * (no placement can do better: every object cached once, requests split per
 * object, which a real router cannot even do);
 * <li><b>hash</b>: sites placed uniformly at random, as any hash does, over
 * {@code trials} draws: mean, worst and best, with the busiest worker's share of
 * requests over the mean (max share);
 * <li><b>balanced</b>: sites placed greedily, most popular first, on the worker
 * with the fewest requests so far (a good static partition for load).
 * </ul>
 * Flags: {@code --workers 4 --sites 400 --objects-per-site 500
 * --objects-per-request 10 --cache 10000 --zipf 1.0 --hot 0 --spread S
 * --trials 200}; spread defaults to objects-per-site / 4, as the worker's.
 */
public final class PlacementLimit {

    private PlacementLimit() {
    }

    record Partition(double hitRate, double maxShare) {
    }

    public static void main(String[] args) {
        Map<String, String> flags = ProxyOverhead.flags(args);
        int workers = Integer.parseInt(flags.getOrDefault("workers", "4"));
        int sites = Integer.parseInt(flags.getOrDefault("sites", "400"));
        int objects = Integer.parseInt(flags.getOrDefault("objects-per-site", "500"));
        int cache = Integer.parseInt(flags.getOrDefault("cache", "10000"));
        double zipf = Double.parseDouble(flags.getOrDefault("zipf", "1.0"));
        double hot = Double.parseDouble(flags.getOrDefault("hot", "0"));
        double spread = Double.parseDouble(flags.getOrDefault("spread", Double.toString(objects / 4.0)));
        int trials = Integer.parseInt(flags.getOrDefault("trials", "200"));

        double[] siteShare = siteShares(sites, zipf, hot);
        double[] objectShare = objectShares(objects, spread);
        double global = globalHitRate(siteShare, objectShare, workers * (long) cache);
        Random random = new Random(1);
        double sum = 0;
        double worst = 1;
        double best = 0;
        double shareSum = 0;
        for (int t = 0; t < trials; t++) {
            int[] placement = new int[sites];
            for (int s = 0; s < sites; s++) {
                placement[s] = random.nextInt(workers);
            }
            Partition p = partition(siteShare, objectShare, placement, workers, cache);
            sum += p.hitRate();
            worst = Math.min(worst, p.hitRate());
            best = Math.max(best, p.hitRate());
            shareSum += p.maxShare();
        }
        Partition balanced = partition(siteShare, objectShare, balanced(siteShare, workers), workers, cache);
        System.out.printf(Locale.ROOT, "workload: %d workers x %d cached objects, %d sites x %d objects (spread %.0f), Zipf %.2f, hot %.0f %%%n",
                workers, cache, sites, objects, spread, zipf, hot * 100);
        System.out.println("| placement | hit rate | max share |");
        System.out.println("|---|---:|---:|");
        System.out.printf(Locale.ROOT, "| global optimum (no placement constraint) | %.4f | |%n", global);
        System.out.printf(Locale.ROOT, "| hash (random sites), mean of %d | %.4f (worst %.4f, best %.4f) | %.2f |%n",
                trials, sum / trials, worst, best, shareSum / trials);
        System.out.printf(Locale.ROOT, "| balanced (greedy by popularity) | %.4f | %.2f |%n", balanced.hitRate(), balanced.maxShare());
    }

    /** Each site's share of requests: Zipf over ranks, plus {@code hot} on rank 0 (the load generator's rule). */
    static double[] siteShares(int sites, double s, double hot) {
        Zipf z = new Zipf(sites, s);
        double[] share = new double[sites];
        for (int k = 0; k < sites; k++) {
            share[k] = (1 - hot) * z.probability(k) + (k == 0 ? hot : 0);
        }
        return share;
    }

    /** Each object's share of a site's touches: floor(|N(0,1)| * spread) mod objects. */
    static double[] objectShares(int objects, double spread) {
        double[] share = new double[objects];
        for (int j = 0; ; j++) {
            double p = 2 * (phi((j + 1) / spread) - phi(j / spread));
            share[j % objects] += p;
            if (j >= objects && p < 1e-15) {
                break;
            }
        }
        return share;
    }

    static double globalHitRate(double[] siteShare, double[] objectShare, long slots) {
        double[] all = new double[siteShare.length * objectShare.length];
        int i = 0;
        for (double s : siteShare) {
            for (double o : objectShare) {
                all[i++] = s * o;
            }
        }
        return topMass(all, slots);
    }

    static Partition partition(double[] siteShare, double[] objectShare, int[] placement, int workers, int cache) {
        List<List<Double>> perWorker = new ArrayList<>();
        double[] load = new double[workers];
        for (int w = 0; w < workers; w++) {
            perWorker.add(new ArrayList<>());
        }
        for (int s = 0; s < siteShare.length; s++) {
            load[placement[s]] += siteShare[s];
            for (double o : objectShare) {
                perWorker.get(placement[s]).add(siteShare[s] * o);
            }
        }
        double hit = 0;
        double maxLoad = 0;
        for (int w = 0; w < workers; w++) {
            double[] masses = perWorker.get(w).stream().mapToDouble(Double::doubleValue).toArray();
            hit += topMass(masses, cache);
            maxLoad = Math.max(maxLoad, load[w]);
        }
        return new Partition(hit, maxLoad * workers);
    }

    static int[] balanced(double[] siteShare, int workers) {
        Integer[] order = new Integer[siteShare.length];
        for (int s = 0; s < order.length; s++) {
            order[s] = s;
        }
        Arrays.sort(order, (a, b) -> Double.compare(siteShare[b], siteShare[a]));
        double[] load = new double[workers];
        int[] placement = new int[siteShare.length];
        for (int s : order) {
            int least = 0;
            for (int w = 1; w < workers; w++) {
                if (load[w] < load[least]) {
                    least = w;
                }
            }
            placement[s] = least;
            load[least] += siteShare[s];
        }
        return placement;
    }

    /** The sum of the {@code k} largest values. */
    static double topMass(double[] values, long k) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        double sum = 0;
        for (int i = sorted.length - 1; i >= 0 && sorted.length - 1 - i < k; i--) {
            sum += sorted[i];
        }
        return sum;
    }

    /** The standard normal distribution function (Abramowitz and Stegun 7.1.26 for erf, error below 1.5e-7). */
    static double phi(double x) {
        double z = Math.abs(x) / Math.sqrt(2);
        double t = 1 / (1 + 0.3275911 * z);
        double erf = 1 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-z * z);
        return x >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
    }
}
