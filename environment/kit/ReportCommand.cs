namespace DistillKit.Cli;

/// <summary>
/// <c>./kit report [--preset mini|smoke|paper] [--out DIR] [--jobs N]</c>: the kit's main job. Runs every notebook in
/// notebooks/ on the embedded synthetic data and writes the executed notebooks, their HTML pages and an index page:
/// the report. Two notebooks run at a time by default (each in its own process with half the cores; a notebook waits
/// for the ones whose runs it reuses, named in its metadata), which on 2 cores finishes sooner than one after the
/// other with both cores: these small trainings gain little from a second thread.
/// </summary>
public static class ReportCommand
{
    public static int Run(string[] args)
    {
        var o = CliArgs.Parse(args);
        var preset = o.Str("preset", "mini");
        var outDir = Path.GetFullPath(o.Str("out", Path.Combine(Repo.Root, "out", "report")));
        var jobs = o.Str("jobs", Math.Min(2, Environment.ProcessorCount).ToString());
        Console.Error.WriteLine($"kit report: every notebook under the '{preset}' preset, {jobs} at a time → {outDir}");
        int rc = Notebooks.NotebookCommand.Run(["run-all", "--dir", Path.Combine(Repo.Root, "notebooks"), "--param", $"preset={preset}", "--out", outDir, "--jobs", jobs]);
        var index = Path.Combine(outDir, "index.html");
        Console.WriteLine(rc == 0 ? $"report: {index}" : $"report (with failures, see above): {index}");
        return rc;
    }
}
