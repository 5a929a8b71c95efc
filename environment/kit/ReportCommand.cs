namespace DistillKit.Cli;

/// <summary>
/// <c>./kit report [--preset mini|smoke|paper] [--out DIR]</c>: the kit's main job. Runs every notebook in
/// notebooks/ in order on the embedded synthetic data and writes the executed notebooks, their HTML pages and
/// an index page: the report.
/// </summary>
public static class ReportCommand
{
    public static int Run(string[] args)
    {
        var o = CliArgs.Parse(args);
        var preset = o.Str("preset", "mini");
        var outDir = Path.GetFullPath(o.Str("out", Path.Combine(Repo.Root, "out", "report")));
        Console.Error.WriteLine($"kit report: every notebook under the '{preset}' preset → {outDir}");
        int rc = Notebooks.NotebookCommand.Run(["run-all", "--dir", Path.Combine(Repo.Root, "notebooks"), "--param", $"preset={preset}", "--out", outDir]);
        var index = Path.Combine(outDir, "index.html");
        Console.WriteLine(rc == 0 ? $"report: {index}" : $"report (with failures, see above): {index}");
        return rc;
    }
}
