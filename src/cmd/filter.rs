//! `caretaker filter log`, `caretaker filter action` and `caretaker filter tests`: the filter
//! check log the DfE standards ask for, and what the tests are.

use std::path::Path;

use caretaker::cli::{FilterActionArgs, FilterLogArgs, FilterTestsArgs, Format};
use caretaker::render;
use caretaker_api::{FilterLogSpan, EXIT_CONFIG, EXIT_USAGE};

use super::{api_fail, fail, json_out, local, write_stdout, Fail};

pub fn log(config: Option<&Path>, args: &FilterLogArgs) -> Result<u8, Fail> {
    if let Some(since) = &args.since {
        let ok = since.len() == 10
            && time::Date::parse(
                since,
                time::macros::format_description!("[year]-[month]-[day]"),
            )
            .is_ok();
        if !ok {
            return Err(fail(
                EXIT_USAGE,
                anyhow::anyhow!("--since {since:?}: expected a date as YYYY-MM-DD"),
            ));
        }
    }
    let api = local(config)?;
    let span = match &args.since {
        Some(s) => FilterLogSpan::Since(s.clone()),
        None => FilterLogSpan::All,
    };
    let checks = api.filter_log(span).map_err(api_fail)?;
    match args.format {
        Format::Json => json_out(&caretaker_model::filterlog::json(&checks))?,
        Format::Text => write_stdout(&render::filter_log(&checks))?,
    }
    Ok(0)
}

pub fn action(config: Option<&Path>, args: &FilterActionArgs) -> Result<u8, Fail> {
    let api = local(config)?;
    api.add_filter_action(args.run, &args.vantage, &args.action)
        .map_err(api_fail)?;
    println!("Recorded for run {} from {}.", args.run, args.vantage);
    Ok(0)
}

/// The filter tests: the built-in ones and the configuration's. An explicit --config must load;
/// without one, the built-in tests are listed even when no configuration is found.
pub fn tests(config: Option<&Path>, args: &FilterTestsArgs) -> Result<u8, Fail> {
    let loaded = match caretaker_config::find_and_load(config) {
        Ok(l) => Some(l),
        Err(e) if config.is_some() => return Err(fail(EXIT_CONFIG, e)),
        Err(e) => {
            eprintln!("No configuration read ({e}): only the built-in tests are listed.");
            None
        }
    };
    let tests = caretaker_core::filter::listing(loaded.as_ref());
    match args.format {
        Format::Json => json_out(&caretaker_core::filter::listing_json(&tests))?,
        Format::Text => write_stdout(&caretaker_core::filter::listing_text(&tests))?,
    }
    Ok(0)
}
