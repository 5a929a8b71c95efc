using System.Diagnostics;

namespace DistillKit.Cli.Fuzz;

/// <summary>
/// <c>./kit fuzz READER|all [--seed S] [--count N] [--first K] [--out DIR] [--max-mb M] [--max-seconds T] [--quiet]</c>
/// (hidden): feeds one of the kit's readers N seeded corruptions of valid files (cases K … K+N−1 of seed S) and sorts
/// every outcome. Good: an <see cref="InvalidDataException"/>, <see cref="NotSupportedException"/>,
/// <see cref="FileNotFoundException"/> or <see cref="DirectoryNotFoundException"/> whose message names the input; or a
/// clean read of an input that may still be valid. Defects: any other exception, a message that does not name the
/// input, a clean read of a certainly invalid input, a crafted case whose guard did not answer, a case slower than T
/// seconds (default 10) or one that raised the resident memory by more than M MiB (default 512). A native crash ends
/// the process: run it as a child and treat death by a signal as a failure (tests/Fuzz does). Exit code 0 when no
/// defect, 1 otherwise (the inputs of defects are copied to DIR), 2 on usage errors, 3 when the target itself is broken
/// (a seed that does not read, a case that cannot be built). Without --quiet each case is printed before it is read, so
/// the last line names the case that killed a crashed process.
/// For managed allocations to be bounded too, start it with <c>DOTNET_GCHeapHardLimit</c> set (tests/Fuzz uses 1.5 GiB).
/// </summary>
public static class FuzzCommand
{
    public static int Run(string[] args)
    {
        var o = CliArgs.Parse(args);
        var names = FuzzTargets.All.Select(t => t.Name).ToList();
        if (o.Positional.Count != 1)
        {
            Console.Error.WriteLine($"usage: ./kit fuzz READER|all [--seed S] [--count N] [--first K] [--out DIR] [--max-mb M] [--max-seconds T] [--quiet]\nreaders: {string.Join(", ", names)}");
            return 2;
        }
        var which = o.Positional[0];
        var targets = which == "all" ? FuzzTargets.All : FuzzTargets.All.Concat(SelfTestTarget.All).Where(t => t.Name == which).ToList();
        if (targets.Count == 0)
        {
            Console.Error.WriteLine($"kit fuzz: unknown reader '{which}' (readers: {string.Join(", ", names)}, all)");
            return 2;
        }
        var settings = new Settings(o.Int("seed", 1), o.Int("first", 0), o.Int("count", 200), o.Str("out"),
            o.Int("max-mb", 512), o.Double("max-seconds", 10), o.Has("quiet"));
        int rc = 0;
        foreach (var target in targets) rc = Math.Max(rc, RunTarget(target, settings));
        return rc;
    }

    sealed record Settings(int Seed, int First, int Count, string? Out, int MaxMb, double MaxSeconds, bool Quiet);

    static int RunTarget(FuzzTarget target, Settings s)
    {
        var work = Directory.CreateTempSubdirectory($"dk-fuzz-{target.Name}-").FullName;
        try
        {
            var seeds = Path.Combine(work, "seeds");
            Directory.CreateDirectory(seeds);
            foreach (var seed in target.WriteSeeds(seeds))
                foreach (var reader in target.Readers)
                {
                    try { reader.Read(seed); }
                    catch (Exception e)
                    {
                        Console.WriteLine($"fuzz {target.Name}: {reader.Name} fails on the valid seed {seed} ({e.GetType().Name}: {e.Message}): the fuzz target is broken");
                        return 3;
                    }
                }
            int named = 0, ok = 0, mixed = 0, defects = 0, guards = 0;
            double slowest = 0;
            long largestRise = 0;
            for (int i = s.First; i < s.First + s.Count; i++)
            {
                var dir = Path.Combine(work, "case");
                if (Directory.Exists(dir)) Directory.Delete(dir, true);
                Directory.CreateDirectory(dir);
                FuzzCase c;
                try { c = target.Make(dir, i, new Random(unchecked(s.Seed * 1_000_003 + i))); }
                catch (Exception e)
                {
                    Console.WriteLine($"fuzz {target.Name}: case #{i} could not be built ({e.GetType().Name}: {e.Message}): the fuzz target is broken");
                    return 3;
                }
                if (c.Expect is not null) guards++;
                var head = $"{target.Name} #{i} {c.Mutation}: ";
                if (!s.Quiet) Console.Write(head);
                var (verdicts, defect, seconds, riseMb) = Try(target, c, s);
                slowest = Math.Max(slowest, seconds);
                largestRise = Math.Max(largestRise, riseMb);
                if (defect is not null)
                {
                    defects++;
                    if (s.Quiet) Console.Write(head);
                    Console.WriteLine("DEFECT: " + defect);
                    if (s.Out is not null) Keep(c.Path, Path.Combine(s.Out, $"{target.Name}-seed{s.Seed}-case{i}{Path.GetExtension(c.Path)}"));
                    continue;
                }
                var strict = verdicts.Where((_, k) => !target.Readers[k].Lenient).ToList();
                if (strict.All(v => v == "read OK")) ok++;
                else if (strict.Any(v => v == "read OK")) mixed++;
                else named++;
                if (!s.Quiet) Console.WriteLine(verdicts.Distinct().Count() == 1 ? verdicts[0]
                    : string.Join("; ", target.Readers.Select((r, k) => $"{r.Name}: {verdicts[k]}")));
            }
            Console.WriteLine($"fuzz {target.Name}: {s.Count} cases (seed {s.Seed}, first {s.First}; {guards} prove a guard) through " +
                $"{string.Join(", ", target.Readers.Select(r => r.Name))}: {named} named errors, {ok} read OK, {mixed} read OK by some readers only, " +
                $"{defects} defects; slowest case {slowest:0.00} s, largest memory rise {largestRise} MiB");
            return defects == 0 ? 0 : 1;
        }
        finally
        {
            try { Directory.Delete(work, true); } catch (IOException) { }
        }
    }

    /// <summary>Runs every reader on one case and sorts the outcomes: (verdict per reader, first defect or null, seconds, resident memory rise in MiB).</summary>
    static (List<string> Verdicts, string? Defect, double Seconds, long RiseMb) Try(FuzzTarget target, FuzzCase c, Settings s)
    {
        long before = Memory.ResetPeak();
        var clock = Stopwatch.StartNew();
        var verdicts = new List<string>();
        string? defect = null;
        foreach (var reader in target.Readers)
        {
            string? problem = null;
            try
            {
                reader.Read(c.Path);
                verdicts.Add("read OK");
                if (c.MustFail && !reader.Lenient) problem = "read without an error, but the input is certainly invalid";
            }
            catch (Exception e)
            {
                var what = $"{e.GetType().Name}: {Shorten(e.Message)}";
                verdicts.Add($"named error ({e.GetType().Name})");
                if (e is not (InvalidDataException or NotSupportedException or FileNotFoundException or DirectoryNotFoundException))
                    problem = $"unexpected exception type {what}\n{e.StackTrace}";
                else if (!c.Names(e.Message)) problem = $"the message does not name the input {c.Path}: {what}";
                else if (c.Expect is not null && !e.Message.Contains(c.Expect)) problem = $"the guard did not answer (expected '{c.Expect}'): {what}";
            }
            defect ??= problem is null ? null : $"{reader.Name}: {problem}";
        }
        double seconds = clock.Elapsed.TotalSeconds;
        long rise = Math.Max(0, Memory.PeakKb() - before) / 1024;
        if (defect is null && seconds > s.MaxSeconds) defect = $"took {seconds:0.0} s (limit {s.MaxSeconds} s)";
        if (defect is null && rise > s.MaxMb) defect = $"raised the resident memory by {rise} MiB (limit {s.MaxMb} MiB)";
        return (verdicts, defect, seconds, rise);
    }

    static string Shorten(string message) => message.Length <= 400 ? message : message[..400] + "…";

    /// <summary>Copies the input of a defect (a file or a dataset folder) to <paramref name="to"/>.</summary>
    static void Keep(string from, string to)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(to))!);
        if (File.Exists(from)) { File.Copy(from, to, overwrite: true); return; }
        if (Directory.Exists(from)) FolderMutations.Copy(from, to);
    }

    /// <summary>The process's resident memory through /proc (Linux): the peak is reset before each case.</summary>
    static class Memory
    {
        /// <summary>Resets the peak (VmHWM) to the current resident size and returns that size in KiB.</summary>
        public static long ResetPeak()
        {
            try { File.WriteAllText("/proc/self/clear_refs", "5"); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            return Field("VmRSS:");
        }

        public static long PeakKb() => Field("VmHWM:");

        static long Field(string name)
        {
            if (!File.Exists("/proc/self/status")) return 0;
            foreach (var line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith(name, StringComparison.Ordinal))
                    return long.Parse(line[name.Length..].Trim().Split(' ')[0]);
            return 0;
        }
    }
}
