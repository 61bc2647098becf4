//! `mpatch._mpatch`: the native half of the Python module `mpatch`, calling
//! the mpatch library (never the binary) with the GIL released.

mod args;
mod buffer;
mod errors;
mod poke;
mod search;
mod write;

use pyo3::prelude::*;

#[pymodule]
fn _mpatch(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(search::count, module)?)?;
    module.add_function(wrap_pyfunction!(search::find, module)?)?;
    module.add_function(wrap_pyfunction!(search::finditer, module)?)?;
    module.add_class::<search::Finder>()?;
    module.add_function(wrap_pyfunction!(write::replace, module)?)?;
    module.add_function(wrap_pyfunction!(poke::peek, module)?)?;
    module.add_function(wrap_pyfunction!(poke::poke, module)?)?;
    module.add_function(wrap_pyfunction!(poke::undo, module)?)?;
    Ok(())
}
