"""Writes the .npy fixtures in Tests/DatasetsTests/Fixtures with numpy (run once; the files are committed)."""
import numpy as np

out = "Tests/DatasetsTests/Fixtures/"
values = [[1, 2, 3], [4, 5, 6]]
for name in ["f4", "f8", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8"]:
    np.save(out + f"le_{name}.npy", np.array(values, dtype="<" + name))
np.save(out + "be_f8.npy", np.array(values, dtype=">f8"))
np.save(out + "be_i4.npy", np.array(values, dtype=">i4"))
np.save(out + "bool.npy", np.array([[True, False, True], [False, False, True]]))
np.save(out + "fortran.npy", np.asfortranarray(np.array(values, dtype="<f4")))
np.save(out + "object.npy", np.array([1, "a", None], dtype=object), allow_pickle=True)
np.save(out + "scalar.npy", np.array(2.5, dtype="<f4"))
a = np.array(values, dtype="<f4")
with open(out + "v2.npy", "wb") as f:
    np.lib.format.write_array(f, a, version=(2, 0))
with open(out + "v3.npy", "wb") as f:
    np.lib.format.write_array(f, a, version=(3, 0))
