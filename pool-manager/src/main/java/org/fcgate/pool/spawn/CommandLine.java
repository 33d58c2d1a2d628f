package org.fcgate.pool.spawn;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.fcgate.pool.config.PoolConfig;

/**
 * Builds the argv and envp for one child. {@code posix_spawn} cannot set a parent-death signal, ids, rlimits or
 * a working directory, so the command is wrapped, each wrapper exec'ing the next (same pid):
 *
 * <pre>
 * prlimit --nofile=N:N --core=C --                         (only with rlimits)
 * setpriv [--regid G --reuid U --init-groups --no-new-privs] --pdeathsig SIGKILL --
 * env --chdir=DIR --                                       (only with working_dir)
 * /resolved/program args...                                ({socket} and {port} substituted)
 * </pre>
 *
 * prlimit runs first so the limits are set while still root; setpriv sets the death signal after changing ids
 * (a credential change clears it, prctl(2)).
 *
 * @param setpriv absolute path of util-linux setpriv
 * @param prlimit absolute path of util-linux prlimit
 * @param env     absolute path of coreutils env
 */
public record CommandLine(Path setpriv, Path prlimit, Path env) {

    /** Ids to switch to; only when the manager runs as root. */
    public record Ids(long uid, long gid) {
    }

    public List<String> argv(PoolConfig config, Path program, String socketPath, int port, Ids ids) {
        List<String> argv = new ArrayList<>();
        OptionalInt nofile = config.rlimitNofile();
        OptionalInt core = config.rlimitCore();
        if (nofile.isPresent() || core.isPresent()) {
            argv.add(prlimit.toString());
            nofile.ifPresent(n -> argv.add("--nofile=" + n + ":" + n));
            core.ifPresent(n -> argv.add("--core=" + n + ":" + n));
            argv.add("--");
        }
        argv.add(setpriv.toString());
        if (ids != null) {
            argv.add("--regid=" + ids.gid());
            argv.add("--reuid=" + ids.uid());
            argv.add("--init-groups"); // supplementary groups = the user's own (php-fpm: initgroups)
            argv.add("--no-new-privs");
        }
        argv.add("--pdeathsig=SIGKILL");
        argv.add("--");
        if (config.workingDir() != null) {
            argv.add(env.toString());
            argv.add("--chdir=" + config.workingDir());
            argv.add("--");
        }
        argv.add(program.toString());
        for (String arg : config.command().subList(1, config.command().size())) {
            argv.add(arg.replace("{socket}", socketPath == null ? "" : socketPath)
                    .replace("{port}", Integer.toString(port)));
        }
        return argv;
    }

    /** {@code NAME=value} strings: only the configured env when clear_env (php-fpm's default), else inherited + configured. */
    public static List<String> envp(PoolConfig config, Map<String, String> inherited) {
        Map<String, String> env = new LinkedHashMap<>();
        if (!config.clearEnv()) {
            env.putAll(inherited);
        }
        env.putAll(config.env());
        List<String> out = new ArrayList<>(env.size());
        env.forEach((k, v) -> out.add(k + "=" + v));
        return out;
    }

    /** Resolves {@code program} like execvp would, using the manager's PATH (the child's env may not have one). */
    public static Path resolve(String program, String pathVariable) {
        if (program.contains("/")) {
            return Path.of(program).toAbsolutePath();
        }
        if (pathVariable != null) {
            for (String dir : pathVariable.split(":")) {
                if (dir.isEmpty()) {
                    continue;
                }
                Path p = Path.of(dir, program);
                if (java.nio.file.Files.isExecutable(p) && !java.nio.file.Files.isDirectory(p)) {
                    return p;
                }
            }
        }
        throw new IllegalArgumentException("program not found on PATH: " + program);
    }
}
