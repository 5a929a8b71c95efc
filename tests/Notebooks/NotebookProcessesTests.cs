using System.Diagnostics;
using DistillKit.Cli.Notebooks;
using DistillKit.Tests.Support;
using Xunit;
using static DistillKit.Tests.Notebooks.NotebookTestKit;

namespace DistillKit.Tests.Notebooks;

/// <summary><c>./kit notebook run-all</c> runs each notebook in its own process: a timeout or a crash ends only that
/// notebook, the rest still run (two at a time with <c>--jobs 2</c>, in the order their metadata asks), the index
/// reports each, and the exit code counts the failures.</summary>
public sealed class NotebookProcessesTests
{
    [Fact]
    public void RunAllGoesOnPastATimeoutAndACrashAndHonoursTheOrderInTheMetadata()
    {
        var dir = TempDir("processes");
        var nb = Directory.CreateDirectory(Path.Combine(dir, "nb")).FullName;
        new NotebookWriter().Code("var x = 1;").Code("System.Threading.Thread.Sleep(120_000);").Save(Path.Combine(nb, "01-runaway.ipynb"));
        new NotebookWriter().Code("System.Threading.Thread.Sleep(2000); System.IO.File.WriteAllText(\"marker.txt\", \"from 02\");")
            .Code("System.Environment.GetEnvironmentVariable(\"OMP_NUM_THREADS\")", "headline").Save(Path.Combine(nb, "02-first.ipynb"));
        var after = new NotebookWriter().Code("System.IO.File.ReadAllText(\"marker.txt\")", "headline").Build();
        after.Root["metadata"]![NotebookProcesses.MetadataKey] = new System.Text.Json.Nodes.JsonObject { ["after"] = new System.Text.Json.Nodes.JsonArray("02-first") };
        after.Save(Path.Combine(nb, "00-after.ipynb"));   // first by name, but it waits for 02-first
        new NotebookWriter().Code("\"printed before the crash\"").Code("System.Environment.FailFast(\"simulated crash\");").Save(Path.Combine(nb, "03-crash.ipynb"));

        var clock = Stopwatch.StartNew();
        using var kit = new KitProcess($"notebook run-all --dir \"{nb}\" --out \"{Path.Combine(dir, "out")}\" --jobs 2 --timeout 30");
        int code = kit.Wait();
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(110), $"took {clock.Elapsed}: the runaway cell held the run");
        Assert.True(code == 2, $"exit code {code}, not the 2 failed notebooks; output:\n{kit.Output}");
        Assert.Contains("notebooks: 2 of 4 passed", kit.Output);

        var index = File.ReadAllText(Path.Combine(dir, "out", "index.html"));
        Assert.Contains("timed out in cell 2", index);
        Assert.Contains("its process ended with exit code", index);
        Assert.Contains("from 02", index);   // 00-after ran after 02-first and read its marker
        Assert.Contains("(2 at a time;", index);
        Assert.Contains($"<pre>{Math.Max(1, Environment.ProcessorCount / 2)}</pre>", string.Concat(HtmlReport.Headline(Path.Combine(dir, "out", "02-first.ipynb")))); // OMP_NUM_THREADS = cores / jobs
        var crashPage = File.ReadAllText(Path.Combine(dir, "out", "03-crash.html"));
        Assert.Contains("printed before the crash", crashPage);   // saved after each cell, so the crash keeps it
        Assert.Contains("simulated crash", crashPage);
        Assert.Contains("timed out after 30 s", File.ReadAllText(Path.Combine(dir, "out", "01-runaway.html")));
    }
}
