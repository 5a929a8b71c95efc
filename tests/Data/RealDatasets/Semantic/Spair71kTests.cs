using System.Text.Json.Nodes;
using DistillKit.Data.Semantic;
using DistillKit.Tests.Support;
using Xunit;

namespace DistillKit.Tests.Data.RealDatasets.Semantic;

public class Spair71kTests
{
    static string Json(string root, string split, string name) => Path.Combine(root, "SPair-71k", "PairAnnotation", split, name + ".json");

    [Fact]
    public void ReadsPairsInLayoutOrderWithKeypointsBoxesAndDifficulty()
    {
        using var dir = new TempFolder();
        SemanticFixtures.BuildSpair(dir.Path);
        var index = Spair71k.Open(dir.Path, SemanticSplit.Test);
        Assert.Equal("spair71k-test", index.Name);
        Assert.Equal(new[] { SemanticFixtures.SpairTest2, SemanticFixtures.SpairTest1 }, index.Select(p => p.Id));
        var p = index[1];
        Assert.Equal(("aeroplane", SemanticSplit.Test), (p.Category, p.Split));
        Assert.Equal(Path.GetFullPath(Path.Combine(dir.Path, "SPair-71k", "JPEGImages", "aeroplane", "2008_000002.jpg")), p.TargetPath);
        Assert.Equal(new float[,] { { 1, 2 }, { 3.5f, 1 } }, p.SourceKeypoints);
        Assert.Equal(new float[,] { { 4, 4 }, { 0, 2 } }, p.TargetKeypoints);
        Assert.Equal(new BoundingBox(0, 0, 5, 3), p.SourceBox);
        Assert.Equal(new BoundingBox(1, 1, 4, 4), p.TargetBox);
        Assert.Equal(5, p.SourceBox!.Value.MaxSide);
        Assert.Equal(new SpairDifficulty(0, 1, 2, 3), p.Difficulty);
        Assert.Equal(new SpairDifficulty(2, 0, 0, 1), index[0].Difficulty);
        Assert.Equal(Json(dir.Path, "test", SemanticFixtures.SpairTest1), p.ListedAt);
        using var t = SemanticPairLoader.Load(p);
        Assert.Equal(new long[] { 3, 4, 6 }, t.Source.shape);
        Assert.Equal(new long[] { 3, 5, 5 }, t.Target.shape);
        Assert.Equal(new float[] { 4, 4, 0, 2 }, t.TargetKeypoints.data<float>().ToArray());
    }

    [Fact]
    public void EachSplitAndLayoutReadsItsOwnList()
    {
        using var dir = new TempFolder();
        SemanticFixtures.BuildSpair(dir.Path);
        Assert.Equal(SemanticFixtures.SpairTrain, Assert.Single(Spair71k.Open(dir.Path, SemanticSplit.Train)).Id);
        Assert.Equal(SemanticFixtures.SpairVal, Assert.Single(Spair71k.Open(dir.Path, SemanticSplit.Val)).Id);
        var small = Spair71k.Open(Path.Combine(dir.Path, "SPair-71k"), SemanticSplit.Test, SpairLayout.Small); // the inner folder works too
        Assert.Equal("spair71k-test-small", small.Name);
        Assert.Equal(SemanticFixtures.SpairTest1, Assert.Single(small).Id);
        Assert.Equal(new[] { "0", "1" }, SpairAnnotation.Read(Json(dir.Path, "test", SemanticFixtures.SpairTest1)).KeypointIds);
    }

    static string Error(string path, string json)
    {
        File.WriteAllText(path, json);
        return Assert.Throws<InvalidDataException>(() => SpairAnnotation.Read(path)).Message;
    }

    [Fact]
    public void BadAnnotationsNameTheFileAndTheField()
    {
        using var dir = new TempFolder();
        SemanticFixtures.BuildSpair(dir.Path);
        var path = Json(dir.Path, "test", SemanticFixtures.SpairTest1);
        JsonObject Good() => SemanticFixtures.SpairJson("a.jpg", "b.jpg", "cat", [[1, 2], [3, 4]], [[5, 6], [7, 8]], [0, 0, 4, 4], [0, 0, 4, 4]);
        string With(Action<JsonObject> change) { var j = Good(); change(j); return j.ToJsonString(); }

        Assert.Contains($"{path}: trg_kps has 1 keypoints but src_kps has 2: keypoint count mismatch",
            Error(path, With(j => j["trg_kps"] = new JsonArray(new JsonArray(1, 2)))));
        Assert.Contains($"{path}: kps_ids has 1 entries", Error(path, With(j => j["kps_ids"] = new JsonArray("0"))));
        Assert.Contains($"{path}: src_kps[1] is a string", Error(path, With(j => j["src_kps"]![1] = "x")));
        Assert.Contains($"{path}: src_kps[0] is an array of 3", Error(path, With(j => j["src_kps"]![0] = new JsonArray(1, 2, 3))));
        Assert.Contains($"{path}: src_bndbox has 3 values", Error(path, With(j => j["src_bndbox"] = new JsonArray(0, 0, 4))));
        Assert.Contains($"{path}: trg_bndbox is [4, 0, 0, 4]: x2 < x1", Error(path, With(j => j["trg_bndbox"] = new JsonArray(4, 0, 0, 4))));
        Assert.Contains($"{path}: occlusion is missing", Error(path, With(j => j.Remove("occlusion"))));
        Assert.Contains($"{path}: viewpoint_variation is 1.5", Error(path, With(j => j["viewpoint_variation"] = 1.5)));
        Assert.Contains($"{path}: category is \"../cat\"", Error(path, With(j => j["category"] = "../cat")));
        Assert.Contains($"{path}: src_imname is a number", Error(path, With(j => j["src_imname"] = 3)));
        Assert.Contains($"{path}: src_kps[0] holds 1e400", Error(path, With(j => j["src_kps"]![0] = JsonNode.Parse("[1e400, 2]"))));
        Assert.Contains($"{path}: src_kps is empty", Error(path, With(j => { j["src_kps"] = new JsonArray(); j["trg_kps"] = new JsonArray(); j.Remove("kps_ids"); })));
        Assert.Contains($"{path}: the top level is an array", Error(path, "[1, 2]"));
        Assert.Contains("Duplicate property", Error(path, Good().ToJsonString().Replace("{\"pair_id\":1,", "{\"pair_id\":1,\"category\":\"dog\",")));
        var deep = Error(path, Good().ToJsonString().Replace("\"mirror\":0", "\"mirror\":" + new string('[', 100_000) + new string(']', 100_000)));
        Assert.Contains($"{path}: not a valid JSON", deep);
        Assert.Contains("maximum configured depth of 64", deep);
        // invalid UTF-8 inside a string (which the JSON parser alone would let through until the string is read)
        File.WriteAllBytes(path, [.. "{\"category\":\"a"u8, 0xC3, 0x28, .. "\"}"u8]);
        Assert.Contains($"{path}: not a valid JSON pair annotation (invalid UTF-8)", Assert.Throws<InvalidDataException>(() => SpairAnnotation.Read(path)).Message);
        // a byte-order mark is accepted
        File.WriteAllBytes(path, [0xEF, 0xBB, 0xBF, .. System.Text.Encoding.UTF8.GetBytes(Good().ToJsonString())]);
        Assert.Equal("cat", SpairAnnotation.Read(path).Category);
    }

    [Fact]
    public void MissingPiecesNameTheLayoutLineTheAnnotationOrTheFolder()
    {
        using var dir = new TempFolder();
        SemanticFixtures.BuildSpair(dir.Path);
        var layout = Path.Combine(dir.Path, "SPair-71k", "Layout", "large", "test.txt");
        File.AppendAllText(layout, "000009-a-b:cat\n");
        var missing = Assert.Throws<InvalidDataException>(() => Spair71k.Open(dir.Path, SemanticSplit.Test)).Message;
        Assert.Contains($"{layout}:3: annotation {Json(dir.Path, "test", "000009-a-b:cat")} of pair 000009-a-b:cat not found", missing);
        File.WriteAllText(layout, $"{SemanticFixtures.SpairTest1}\n{SemanticFixtures.SpairTest1}\n");
        Assert.Contains($"{layout}:2: pair {SemanticFixtures.SpairTest1} is listed twice (also line 1)",
            Assert.Throws<InvalidDataException>(() => Spair71k.Open(dir.Path, SemanticSplit.Test)).Message);
        File.WriteAllText(layout, "../trn/x\n");
        Assert.Contains($"{layout}:1: \"../trn/x\" is not a pair name", Assert.Throws<InvalidDataException>(() => Spair71k.Open(dir.Path, SemanticSplit.Test)).Message);
        File.WriteAllText(layout, "\n");
        Assert.Contains($"{layout}: lists no image pair", Assert.Throws<InvalidDataException>(() => Spair71k.Open(dir.Path, SemanticSplit.Test)).Message);

        File.Delete(Path.Combine(dir.Path, "SPair-71k", "JPEGImages", "cat", "2009_000002.jpg"));
        var image = Assert.Throws<InvalidDataException>(() => Spair71k.Open(dir.Path, SemanticSplit.Val)).Message;
        Assert.Contains($"{Json(dir.Path, "val", SemanticFixtures.SpairVal)}: image {Path.Combine("cat", "2009_000002.jpg")} not found", image);
        File.Delete(Path.Combine(dir.Path, "SPair-71k", "Layout", "large", "trn.txt"));
        Assert.Contains("trn.txt: SPair-71k layout file not found", Assert.Throws<FileNotFoundException>(() => Spair71k.Open(dir.Path, SemanticSplit.Train)).Message);
        Directory.Delete(Path.Combine(dir.Path, "SPair-71k", "PairAnnotation", "val"), true);
        var folder = Assert.Throws<DirectoryNotFoundException>(() => Spair71k.Open(dir.Path, SemanticSplit.Val)).Message;
        Assert.Contains(Path.Combine(dir.Path, "SPair-71k", "PairAnnotation", "val"), folder);
        Assert.Contains("data-scripts/get-spair71k.sh", folder);
    }
}
