package org.fcgate.bench.harness;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * One stack on one workload over every round: medians with min..max. CPU per request is the server's whole process
 * tree (front and PHP); {@code frontCpu} is that minus the PHP processes' share.
 */
record Summary(String stack, String workload, int rounds, Spread rps, Spread p50Micros, Spread p99Micros,
               Spread maxMicros, long requests, long errors, Spread cpuMicros, Spread phpCpuMicros,
               Spread frontCpuMicros, Spread peakRssMb, Spread fairness) {

    static Summary of(List<RunData.Sample> samples) {
        RunData.Sample first = samples.get(0);
        long requests = 0;
        long errors = 0;
        for (RunData.Sample s : samples) {
            requests += s.load().requests();
            errors += s.load().errors();
        }
        return new Summary(first.stack(), first.workload(), samples.size(),
                spread(samples, s -> s.load().requestsPerSecond()),
                spread(samples, s -> s.load().p50Micros()),
                spread(samples, s -> s.load().p99Micros()),
                spread(samples, s -> s.load().maxMicros()),
                requests, errors,
                spread(samples, s -> s.server().cpuMicrosPerRequest(s.load().requests())),
                spread(samples, s -> s.server().phpCpuMicrosPerRequest(s.load().requests())),
                spread(samples, s -> s.server().cpuMicrosPerRequest(s.load().requests())
                        - s.server().phpCpuMicrosPerRequest(s.load().requests())),
                spread(samples, s -> s.server().peakRssKb() / 1024.0),
                spread(samples, s -> s.load().p50Micros() == 0 ? Double.NaN
                        : s.load().fairShareMicros(s.server().connections()) / s.load().p50Micros()));
    }

    private static Spread spread(List<RunData.Sample> samples, ToDoubleFunction<RunData.Sample> f) {
        List<Double> v = new ArrayList<>();
        for (RunData.Sample s : samples) {
            v.add(f.applyAsDouble(s));
        }
        return Spread.of(v);
    }
}
