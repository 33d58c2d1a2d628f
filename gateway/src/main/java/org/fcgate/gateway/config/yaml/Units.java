package org.fcgate.gateway.config.yaml;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations and sizes as nginx and php-fpm users write them: {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h},
 * {@code 2d}; {@code 512}, {@code 64k}, {@code 10m}, {@code 1g} (binary multiples, either case). A bare number is a
 * size in bytes; a duration needs its unit, except {@code 0}, so {@code 30} is never guessed to mean seconds.
 */
public final class Units {

    /** Longer durations are refused: they are typos, and nanosecond timers overflow past 292 years. */
    public static final Duration MAX_DURATION = Duration.ofDays(365);

    private static final Pattern DURATION = Pattern.compile("([0-9]+)(ms|s|m|h|d)");
    private static final Pattern SIZE = Pattern.compile("([0-9]+)([kKmMgG]?)");

    private Units() {
    }

    /** Parses a duration; the exception's message is the reason, to follow the value in an error line. */
    public static Duration duration(String text) {
        if (text.equals("0")) {
            return Duration.ZERO;
        }
        Matcher m = DURATION.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException(text.matches("[0-9]+")
                    ? "needs a unit: ms, s, m, h or d (e.g. 30s)"
                    : "is not a duration like 500ms, 30s, 5m, 1h");
        }
        try {
            long n = Long.parseLong(m.group(1));
            Duration d = switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
            if (d.compareTo(MAX_DURATION) > 0) {
                throw new IllegalArgumentException("is too long (at most 365d)");
            }
            return d;
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("is too long (at most 365d)");
        }
    }

    /** Parses a size in bytes; never negative. */
    public static long size(String text) {
        Matcher m = SIZE.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("is not a size like 512, 64k, 10m, 1g");
        }
        long unit = switch (Character.toLowerCase(m.group(2).isEmpty() ? 'b' : m.group(2).charAt(0))) {
            case 'k' -> 1024L;
            case 'm' -> 1024L * 1024;
            case 'g' -> 1024L * 1024 * 1024;
            default -> 1L;
        };
        try {
            return Math.multiplyExact(Long.parseLong(m.group(1)), unit);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("is too large (at most " + Long.MAX_VALUE + " bytes)");
        }
    }

    /** How a duration is written in this file format: the largest unit that divides it. */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms == 0) {
            return "0";
        }
        long[] sizes = {86_400_000L, 3_600_000L, 60_000L, 1000L};
        String[] names = {"d", "h", "m", "s"};
        for (int i = 0; i < sizes.length; i++) {
            if (ms % sizes[i] == 0) {
                return ms / sizes[i] + names[i];
            }
        }
        return ms + "ms";
    }
}
